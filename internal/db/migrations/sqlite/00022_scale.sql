-- +goose Up
-- Issue 21: every page fast at 100k reports / 30k cases / 2M events.
--
-- due_at: the next deadline of an open report (acknowledgement or initial assessment),
-- NULL once it has none; written with every change of state, acknowledgement or
-- triage, so "overdue" is one indexed range (due_at < now) instead of a computation
-- over every open report.
ALTER TABLE reports ADD COLUMN due_at TIMESTAMP;
UPDATE reports SET due_at = CASE
    WHEN state NOT IN ('new', 'acknowledged') THEN NULL
    WHEN acknowledged_at IS NULL AND (triaged_at IS NOT NULL OR ack_due_at < assess_due_at) THEN ack_due_at
    WHEN triaged_at IS NULL THEN assess_due_at
    ELSE NULL END;
CREATE INDEX reports_due ON reports (due_at) WHERE due_at IS NOT NULL;
-- Lists filtered by state walk (state, id) newest first: one range per state, no sort
-- of every matching row.
CREATE INDEX reports_state_id ON reports (state, id);
CREATE INDEX reports_assignee_id ON reports (assignee_id, id);
DROP INDEX reports_assignee;
-- Events of one subject newest first (a report's or case's timeline).
CREATE INDEX events_subject_seq ON events (subject_type, subject_id, seq);
DROP INDEX events_subject;
CREATE INDEX events_case_seq ON events (case_id, seq) WHERE case_id IS NOT NULL;
DROP INDEX events_case;

-- +goose Down
CREATE INDEX events_case ON events (case_id) WHERE case_id IS NOT NULL;
DROP INDEX events_case_seq;
CREATE INDEX events_subject ON events (subject_type, subject_id);
DROP INDEX events_subject_seq;
CREATE INDEX reports_assignee ON reports (assignee_id);
DROP INDEX reports_assignee_id;
DROP INDEX reports_state_id;
DROP INDEX reports_due;
ALTER TABLE reports DROP COLUMN due_at;
