-- +goose Up
-- Publication bound to the embargo (issue 11).
-- (SQLite: no constraints on the added columns, so that the down migration can drop them.)
-- edited_by: who last changed an advisory's content; they cannot approve it (four eyes).
-- pending_*: the next revision of a published advisory while it is reviewed; the
-- published document stays served until the pending one is approved and published.
ALTER TABLE advisories ADD COLUMN edited_by INTEGER;
ALTER TABLE advisories ADD COLUMN pending_document TEXT;
ALTER TABLE advisories ADD COLUMN pending_state TEXT;
ALTER TABLE advisories ADD COLUMN pending_by INTEGER;
ALTER TABLE advisories ADD COLUMN pending_approved_by INTEGER;
-- Which vulnerabilities of the case (labels, space-separated) a package is affected by;
-- empty: every vulnerability of the case.
ALTER TABLE case_packages ADD COLUMN vulns TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE case_packages DROP COLUMN vulns;
ALTER TABLE advisories DROP COLUMN pending_approved_by;
ALTER TABLE advisories DROP COLUMN pending_by;
ALTER TABLE advisories DROP COLUMN pending_state;
ALTER TABLE advisories DROP COLUMN pending_document;
ALTER TABLE advisories DROP COLUMN edited_by;
