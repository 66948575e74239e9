-- +goose Up
-- How a case participant (a finder) asked to be credited, verbatim from their report.
ALTER TABLE case_members ADD COLUMN credit TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE case_members DROP COLUMN credit;
