-- +goose Up
-- Rate-limit buckets shared by every process on one database (GCRA: tat is the
-- theoretical arrival time in Unix microseconds; failures counts consecutive failed
-- attempts for the growing sign-in delay).
CREATE TABLE rate_limits (
    key           TEXT PRIMARY KEY,
    tat           BIGINT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX rate_limits_tat ON rate_limits (tat);

-- The last TOTP time step accepted for a user: a code is good once.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

-- Recovery codes, shown once at TOTP enrolment, stored as SHA-256; each works once.
CREATE TABLE recovery_codes (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash     TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    used_at       TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- +goose Down
DROP TABLE recovery_codes;
ALTER TABLE users DROP COLUMN totp_last_step;
DROP TABLE rate_limits;
