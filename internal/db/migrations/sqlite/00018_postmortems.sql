-- +goose Up
-- Post-mortems (internal/postmortem): blameless after-action reviews of a case (closed,
-- an embargo break, a tabletop exercise) or an engagement. The timeline is read from the
-- event log; annotations, sections, action items and the review live here. A case
-- flagged as an exercise never mails outside the team and never publishes.
ALTER TABLE cases ADD COLUMN exercise BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE postmortems (
    id                   INTEGER PRIMARY KEY,
    kind                 TEXT NOT NULL,
    case_id              INTEGER REFERENCES cases (id),
    engagement_id        INTEGER REFERENCES engagements (id),
    title                TEXT NOT NULL,
    state                TEXT NOT NULL,
    author_id            INTEGER NOT NULL REFERENCES users (id),
    reviewer_id          INTEGER REFERENCES users (id),
    summary              TEXT NOT NULL DEFAULT '',
    impact               TEXT NOT NULL DEFAULT '',
    went_well            TEXT NOT NULL DEFAULT '',
    went_badly           TEXT NOT NULL DEFAULT '',
    lucky                TEXT NOT NULL DEFAULT '',
    contributing_factors TEXT NOT NULL DEFAULT '',
    lessons              TEXT NOT NULL DEFAULT '',
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    published_at         TIMESTAMP
);
CREATE INDEX postmortems_case ON postmortems (case_id);

CREATE TABLE pm_annotations (
    id            INTEGER PRIMARY KEY,
    postmortem_id INTEGER NOT NULL REFERENCES postmortems (id),
    event_seq     INTEGER NOT NULL,
    author_id     INTEGER NOT NULL REFERENCES users (id),
    body          TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX pm_annotations_pm ON pm_annotations (postmortem_id);

CREATE TABLE pm_actions (
    id            INTEGER PRIMARY KEY,
    postmortem_id INTEGER NOT NULL REFERENCES postmortems (id),
    title         TEXT NOT NULL,
    owner_id      INTEGER NOT NULL REFERENCES users (id),
    due_on        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    link          TEXT NOT NULL DEFAULT '',
    reminded_on   TEXT,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX pm_actions_pm ON pm_actions (postmortem_id);

-- +goose Down
DROP TABLE pm_actions;
DROP TABLE pm_annotations;
DROP TABLE postmortems;
ALTER TABLE cases DROP COLUMN exercise;
