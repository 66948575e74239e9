-- +goose Up
-- Metrics and reports (internal/metrics): SLO targets the programme manager sets (the
-- defaults come from the CVD policy and are not stored), and report snapshots: a closed
-- period's TAC report is stored the first time it is generated and served identical after.

CREATE TABLE metrics_slos (
    sli_key             TEXT PRIMARY KEY,
    target_days         DOUBLE PRECISION NOT NULL,
    objective           DOUBLE PRECISION NOT NULL,
    updated_by          TEXT NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);

CREATE TABLE report_snapshots (
    period              TEXT PRIMARY KEY,
    data_json           TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL
);

-- The milestones of each report and case, the first time each happened, derived from the
-- event log by internal/metrics (catch-up from metrics_cursor.seq before every read; the
-- merge keeps the earliest time, so applying an event twice changes nothing).
CREATE TABLE metrics_items (
    kind                TEXT NOT NULL CHECK (kind IN ('report', 'case')),
    item_key            TEXT NOT NULL,
    public_id           TEXT NOT NULL DEFAULT '',
    start_at            TIMESTAMPTZ,
    ack_at              TIMESTAMPTZ,
    triage_at           TIMESTAMPTZ,
    owner_at            TIMESTAMPTZ,
    agreed_at           TIMESTAMPTZ,
    disclosed_at        TIMESTAMPTZ,
    broken              INTEGER NOT NULL DEFAULT 0,
    vendor_aware_at     TIMESTAMPTZ,
    fix_ready_at        TIMESTAMPTZ,
    fix_deployed_at     TIMESTAMPTZ,
    public_aware_at     TIMESTAMPTZ,
    exploit_public_at   TIMESTAMPTZ,
    attacks_observed_at TIMESTAMPTZ,
    PRIMARY KEY (kind, item_key)
);
CREATE INDEX metrics_items_start ON metrics_items (kind, start_at);

CREATE TABLE metrics_cursor (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    seq                 BIGINT NOT NULL
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
