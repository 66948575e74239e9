-- +goose Up
-- An outbox message held for a person to release (an automatic acknowledgement to a
-- mail sender the receiving server did not authenticate): why it is held. Messages
-- held only because no relay is configured have ''.
ALTER TABLE outbox ADD COLUMN hold_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN hold_reason;
