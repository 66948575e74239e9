-- +goose Up
-- Queue depth and age per kind for /metrics (internal/jobs Stats): counts by state and
-- kind, and the oldest due job of a kind, read from the index alone.
CREATE INDEX jobs_state_kind ON jobs (state, kind, run_at);

-- +goose Down
DROP INDEX jobs_state_kind;
