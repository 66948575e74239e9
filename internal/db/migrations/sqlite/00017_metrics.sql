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

-- The milestones of each report and case, the first time each happened, derived from the
-- event log by internal/metrics (catch-up from metrics_cursor.seq before every read; the
-- merge keeps the earliest time, so applying an event twice changes nothing).
CREATE TABLE metrics_items (
    kind                TEXT NOT NULL CHECK (kind IN ('report', 'case')),
    item_key            TEXT NOT NULL,
    public_id           TEXT NOT NULL DEFAULT '',
    start_at            TIMESTAMP,
    ack_at              TIMESTAMP,
    triage_at           TIMESTAMP,
    owner_at            TIMESTAMP,
    agreed_at           TIMESTAMP,
    disclosed_at        TIMESTAMP,
    broken              INTEGER NOT NULL DEFAULT 0,
    vendor_aware_at     TIMESTAMP,
    fix_ready_at        TIMESTAMP,
    fix_deployed_at     TIMESTAMP,
    public_aware_at     TIMESTAMP,
    exploit_public_at   TIMESTAMP,
    attacks_observed_at TIMESTAMP,
    PRIMARY KEY (kind, item_key)
);
CREATE INDEX metrics_items_start ON metrics_items (kind, start_at);

CREATE TABLE metrics_cursor (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    seq                 INTEGER NOT NULL
);
INSERT INTO metrics_cursor (id, seq) VALUES (1, 0);

-- The period's reports (volumes, breakdowns) by time of receipt.
CREATE INDEX reports_received ON reports (received_at);

-- +goose Down
DROP INDEX reports_received;
DROP TABLE metrics_cursor;
DROP TABLE metrics_items;
DROP TABLE report_snapshots;
DROP TABLE metrics_slos;
