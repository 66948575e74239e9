-- +goose Up
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'pgm', 'responder', 'member')),
    password_hash TEXT NOT NULL DEFAULT '',
    totp_secret   TEXT NOT NULL DEFAULT '',
    totp_enabled  BOOLEAN NOT NULL DEFAULT FALSE,
    time_zone     TEXT NOT NULL DEFAULT 'UTC',
    disabled_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
    id_hash       TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,
    scopes        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    expires_at    TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE one_time_links (
    token_hash    TEXT PRIMARY KEY,
    purpose       TEXT NOT NULL CHECK (purpose IN ('setup', 'invite', 'reset')),
    user_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    email         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    used_at       TIMESTAMP
);

CREATE TABLE counters (
    name          TEXT PRIMARY KEY,
    value         BIGINT NOT NULL
);

CREATE TABLE settings (
    key           TEXT PRIMARY KEY,
    value         TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE events (
    seq           INTEGER PRIMARY KEY,
    at            TIMESTAMP NOT NULL,
    actor_id      INTEGER,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    case_id       INTEGER,
    before_json   TEXT,
    after_json    TEXT,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject_type, subject_id);
CREATE INDEX events_case ON events (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX events_action ON events (action, at);

-- The head of the hash chain: one row, updated in every appending transaction, which
-- also serializes appends on PostgreSQL.
CREATE TABLE event_chain (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    seq           BIGINT NOT NULL,
    hash          TEXT NOT NULL
);
INSERT INTO event_chain (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    args          TEXT NOT NULL,
    unique_key    TEXT UNIQUE,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'dead')),
    priority      INTEGER NOT NULL DEFAULT 0,
    run_at        TIMESTAMP NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL,
    locked_by     TEXT,
    locked_until  TIMESTAMP,
    last_error    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX jobs_ready ON jobs (state, run_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE event_chain;
DROP TABLE events;
DROP TABLE settings;
DROP TABLE counters;
DROP TABLE one_time_links;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
