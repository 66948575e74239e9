-- +goose Up
-- Need-to-know between parties (docs/cases.md, "Confidentiality between parties").
-- Which case roles see the other parties (by organisation name): a comma-separated list.
ALTER TABLE cases ADD COLUMN parties_visible TEXT NOT NULL DEFAULT 'owner,collaborator,finder';
-- A removed participant keeps their row (their posts and answers stay on record) but
-- loses access at once.
ALTER TABLE case_members ADD COLUMN removed_at TIMESTAMPTZ;
-- The last event this participant may see: their updated_since cursor.
ALTER TABLE case_members ADD COLUMN activity_at TIMESTAMPTZ;
-- A party's statement stays with the team until the party marks it public (or the case
-- reaches its public date).
ALTER TABLE case_statuses ADD COLUMN statement_public BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE case_statuses DROP COLUMN statement_public;
ALTER TABLE case_members DROP COLUMN activity_at;
ALTER TABLE case_members DROP COLUMN removed_at;
ALTER TABLE cases DROP COLUMN parties_visible;
