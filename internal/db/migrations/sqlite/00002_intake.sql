-- +goose Up
CREATE TABLE reports (
    id                  INTEGER PRIMARY KEY,
    public_id           TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN ('vulnerability', 'help_request')),
    pathway             TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL CHECK (source IN ('web', 'api', 'email')),
    state               TEXT NOT NULL,
    summary             TEXT NOT NULL,
    details             TEXT NOT NULL DEFAULT '',
    reproduction        TEXT NOT NULL DEFAULT '',
    impact              TEXT NOT NULL DEFAULT '',
    severity            TEXT NOT NULL DEFAULT '',
    cvss_vector         TEXT NOT NULL DEFAULT '',
    exploitation        TEXT NOT NULL DEFAULT '',
    publicity           TEXT NOT NULL DEFAULT '',
    proposed_patch      TEXT NOT NULL DEFAULT '',
    tests               TEXT NOT NULL DEFAULT '',
    poc                 TEXT NOT NULL DEFAULT '',
    cwe                 TEXT NOT NULL DEFAULT '',
    workaround          TEXT NOT NULL DEFAULT '',
    shared_with         TEXT NOT NULL DEFAULT '',
    disclosure          TEXT NOT NULL DEFAULT '',
    project             TEXT NOT NULL DEFAULT '',
    affected_json       TEXT NOT NULL DEFAULT '[]',
    reporter_name       TEXT NOT NULL DEFAULT '',
    reporter_email      TEXT NOT NULL DEFAULT '',
    reporter_credit     TEXT NOT NULL DEFAULT '',
    reporter_user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    tracking_hash       TEXT NOT NULL UNIQUE,
    reply_token         TEXT NOT NULL UNIQUE,
    assignee_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    duplicate_of        INTEGER REFERENCES reports (id),
    cluster_key         TEXT NOT NULL DEFAULT '',
    completeness        INTEGER NOT NULL DEFAULT 0,
    ssvc_json           TEXT,
    outcome             TEXT NOT NULL DEFAULT '',
    rationale           TEXT NOT NULL DEFAULT '',
    triaged_by          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    triaged_at          TIMESTAMP,
    acknowledged_at     TIMESTAMP,
    ack_due_at          TIMESTAMP NOT NULL,
    assess_due_at       TIMESTAMP NOT NULL,
    parked_until        TIMESTAMP,
    sla_warned_at       TIMESTAMP,
    closed_at           TIMESTAMP,
    mail_message_id     TEXT NOT NULL DEFAULT '',
    received_at         TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX reports_state ON reports (state, received_at);
CREATE INDEX reports_assignee ON reports (assignee_id);
CREATE INDEX reports_reporter ON reports (reporter_user_id);
CREATE INDEX reports_reporter_email ON reports (reporter_email);
CREATE INDEX reports_cluster ON reports (cluster_key);

CREATE VIRTUAL TABLE reports_fts USING fts5 (summary, body, tokenize = 'unicode61 remove_diacritics 2');

CREATE TABLE report_messages (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    author              TEXT NOT NULL CHECK (author IN ('finder', 'staff', 'system')),
    author_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    visibility          TEXT NOT NULL CHECK (visibility IN ('finder', 'internal')),
    via                 TEXT NOT NULL DEFAULT 'web',
    body                TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX report_messages_report ON report_messages (report_id, id);

CREATE TABLE attachments (
    id                  INTEGER PRIMARY KEY,
    report_id           INTEGER REFERENCES reports (id) ON DELETE CASCADE,
    case_id             INTEGER,
    filename            TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size                BIGINT NOT NULL,
    sha256              TEXT NOT NULL,
    uploaded_by         TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id);

-- Raw inbound mail, kept before the SMTP "250 OK" so nothing acknowledged is lost even
-- when parsing or decryption fails later.
CREATE TABLE inbound_mail (
    id                  INTEGER PRIMARY KEY,
    mail_from           TEXT NOT NULL,
    rcpt_to             TEXT NOT NULL,
    raw                 BLOB NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('received', 'processed', 'failed')),
    error               TEXT NOT NULL DEFAULT '',
    report_id           INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    received_at         TIMESTAMP NOT NULL
);

-- The notification outbox: every outbound message is a row before it is sent, with a
-- stable Message-ID, so a retry after a crash is the same message, not a new one.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    channel             TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient           TEXT NOT NULL,
    subject             TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL,
    message_id          TEXT NOT NULL UNIQUE,
    in_reply_to         TEXT NOT NULL DEFAULT '',
    reply_to            TEXT NOT NULL DEFAULT '',
    encrypt_to          TEXT NOT NULL DEFAULT '',
    report_id           INTEGER,
    case_id             INTEGER,
    purpose             TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'held', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    sent_at             TIMESTAMP
);
CREATE INDEX outbox_report ON outbox (report_id);
CREATE INDEX outbox_case ON outbox (case_id);
CREATE INDEX outbox_state ON outbox (state);

-- +goose Down
DROP TABLE outbox;
DROP TABLE inbound_mail;
DROP TABLE attachments;
DROP TABLE report_messages;
DROP TABLE reports_fts;
DROP TABLE reports;
