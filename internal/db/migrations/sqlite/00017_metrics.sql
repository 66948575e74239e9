-- +goose Up
-- Metrics and reports (internal/metrics): SLO targets the programme manager sets (the
-- defaults come from the CVD policy and are not stored), and report snapshots: a closed
-- period's TAC report is stored the first time it is generated and served identical after.

CREATE TABLE metrics_slos (
    sli_key             TEXT PRIMARY KEY,
    target_days         DOUBLE PRECISION NOT NULL,
    objective           DOUBLE PRECISION NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE report_snapshots (
    period              TEXT PRIMARY KEY,
    data_json           TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE report_snapshots;
DROP TABLE metrics_slos;
