-- +goose Up
-- Answers to API POSTs sent with an Idempotency-Key, replayed when a client retries.
CREATE TABLE idempotency_keys (
    key_hash      TEXT PRIMARY KEY,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    body          BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
