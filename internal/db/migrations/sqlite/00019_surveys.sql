-- +goose Up
-- Surveys (internal/survey): a survey's definition (problem statements, questions,
-- sections, show-if logic) is one JSON document; it is answered through one public
-- link (public_token) or per-recipient links (survey_recipients.token). A response of an
-- anonymous survey keeps no identity: no recipient, no address, no browser, and its
-- time only to the day. A case's participant-feedback survey names its case (case_id,
-- one survey per case).
CREATE TABLE surveys (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    intro               TEXT NOT NULL DEFAULT '',
    audience            TEXT NOT NULL,
    anonymous           BOOLEAN NOT NULL,
    min_n               INTEGER NOT NULL DEFAULT 1,
    definition          TEXT NOT NULL,
    public_token        TEXT NOT NULL UNIQUE,
    case_id             INTEGER UNIQUE REFERENCES cases (id) ON DELETE SET NULL,
    closes_at           TIMESTAMP,
    created_by          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE survey_recipients (
    id                  INTEGER PRIMARY KEY,
    survey_id           INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    audience            TEXT NOT NULL,
    token               TEXT NOT NULL UNIQUE,
    invited_at          TIMESTAMP NOT NULL,
    reminded_at         TIMESTAMP,
    reminders           INTEGER NOT NULL DEFAULT 0,
    responded_at        TIMESTAMP,
    UNIQUE (survey_id, email)
);

CREATE TABLE survey_responses (
    id                  INTEGER PRIMARY KEY,
    survey_id           INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    recipient_id        INTEGER REFERENCES survey_recipients (id) ON DELETE SET NULL,
    audience            TEXT NOT NULL,
    answers             TEXT NOT NULL,
    submitted_on        TEXT NOT NULL
);
CREATE INDEX survey_responses_survey ON survey_responses (survey_id, id);

-- +goose Down
DROP TABLE survey_responses;
DROP TABLE survey_recipients;
DROP TABLE surveys;
