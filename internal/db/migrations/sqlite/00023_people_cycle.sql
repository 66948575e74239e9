-- +goose Up
-- The team's yearly cycle (internal/people): openings for roles, the end of a member's
-- term (then they become alumni and leave on-call rotations), courses that must be
-- renewed, and a record of the reminders sent so each is sent once.

CREATE TABLE openings (
    id                  INTEGER PRIMARY KEY,
    role                TEXT NOT NULL,
    title               TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    positions           INTEGER NOT NULL DEFAULT 1,
    closes_on           TEXT NOT NULL DEFAULT '',
    closed              INTEGER NOT NULL DEFAULT 0,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);

ALTER TABLE responder_profiles ADD COLUMN term_ends TEXT NOT NULL DEFAULT '';
ALTER TABLE courses ADD COLUMN renew_months INTEGER NOT NULL DEFAULT 0;

CREATE TABLE people_reminders (
    kind                TEXT NOT NULL,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    subject_key         TEXT NOT NULL,
    sent_at             TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, user_id, subject_key)
);

-- Onboarding checklists: a document of kind onboarding names the roles it is for; each
-- member ticks its checklist items (keyed by the item's text, so a new version of the
-- document keeps the ticks of the items it still has).
ALTER TABLE docs ADD COLUMN roles TEXT NOT NULL DEFAULT '';

CREATE TABLE onboarding_ticks (
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    doc_id              INTEGER NOT NULL REFERENCES docs (id) ON DELETE CASCADE,
    item                TEXT NOT NULL,
    done_on             TEXT NOT NULL,
    recorded_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, doc_id, item)
);

-- Durable event subscribers (events.Subscriber): how far each has read the log. The
-- on-call notifier's cursor moves here from people_cursors.
CREATE TABLE event_cursors (
    name                TEXT PRIMARY KEY,
    seq                 INTEGER NOT NULL
);
INSERT INTO event_cursors (name, seq) SELECT name, seq FROM people_cursors;
DROP TABLE people_cursors;

-- +goose Down
CREATE TABLE people_cursors (
    name                TEXT PRIMARY KEY,
    seq                 INTEGER NOT NULL
);
INSERT INTO people_cursors (name, seq) SELECT name, seq FROM event_cursors WHERE name = 'oncall.notify';
DROP TABLE event_cursors;
DROP TABLE onboarding_ticks;
ALTER TABLE docs DROP COLUMN roles;
DROP TABLE people_reminders;
ALTER TABLE courses DROP COLUMN renew_months;
ALTER TABLE responder_profiles DROP COLUMN term_ends;
DROP TABLE openings;
