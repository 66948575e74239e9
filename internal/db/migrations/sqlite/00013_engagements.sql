-- +goose Up
-- Engagements with maintainers and outreach (internal/engagements): the projects the
-- team may reach out to, engagements with a buddy (contact cycles, spot-checks, hours,
-- a retrospective), outreach channels and campaigns. Dates the team plans by are civil
-- dates ("YYYY-MM-DD" text); instants are timestamps from the injected clock.
CREATE TABLE eng_projects (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    repo_url            TEXT NOT NULL DEFAULT '',
    ecosystem           TEXT NOT NULL DEFAULT '',
    criticality         TEXT NOT NULL DEFAULT '',
    contacts            TEXT NOT NULL DEFAULT '',
    notes               TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE engagements (
    id                  INTEGER PRIMARY KEY,
    project_id          INTEGER NOT NULL REFERENCES eng_projects (id),
    buddy_id            INTEGER NOT NULL REFERENCES users (id),
    backup_id           INTEGER REFERENCES users (id),
    origin              TEXT NOT NULL,
    origin_ref          TEXT NOT NULL DEFAULT '',
    goals               TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL,
    contact_every_days  INTEGER NOT NULL DEFAULT 14,
    max_unanswered      INTEGER NOT NULL DEFAULT 3,
    check_every_days    INTEGER NOT NULL DEFAULT 14,
    active_months       INTEGER NOT NULL DEFAULT 6,
    start_on            TEXT NOT NULL DEFAULT '',
    end_on              TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL DEFAULT '',
    retrospective       TEXT NOT NULL DEFAULT '',
    retro_edited_at     TIMESTAMP,
    closed_at           TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX engagements_project ON engagements (project_id);

CREATE TABLE eng_contacts (
    id                  INTEGER PRIMARY KEY,
    engagement_id       INTEGER NOT NULL REFERENCES engagements (id),
    attempted_on        TEXT NOT NULL,
    channel             TEXT NOT NULL DEFAULT '',
    outcome             TEXT NOT NULL,
    notes               TEXT NOT NULL DEFAULT '',
    user_id             INTEGER REFERENCES users (id),
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX eng_contacts_engagement ON eng_contacts (engagement_id, attempted_on);

-- A spot-check is a slot of the schedule (due_on set at activation) that a record fills
-- (done_on, hours, notes…), or an extra record outside the schedule (due_on NULL).
CREATE TABLE eng_spot_checks (
    id                  INTEGER PRIMARY KEY,
    engagement_id       INTEGER NOT NULL REFERENCES engagements (id),
    seq                 INTEGER NOT NULL DEFAULT 0,
    due_on              TEXT,
    done_on             TEXT,
    hours               DOUBLE PRECISION NOT NULL DEFAULT 0,
    notes               TEXT NOT NULL DEFAULT '',
    risks               TEXT NOT NULL DEFAULT '',
    actions             TEXT NOT NULL DEFAULT '',
    user_id             INTEGER REFERENCES users (id),
    overdue_at          TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX eng_spot_checks_engagement ON eng_spot_checks (engagement_id, due_on);

CREATE TABLE eng_hours (
    id                  INTEGER PRIMARY KEY,
    engagement_id       INTEGER NOT NULL REFERENCES engagements (id),
    user_id             INTEGER REFERENCES users (id),
    kind                TEXT NOT NULL,
    hours               DOUBLE PRECISION NOT NULL,
    worked_on           TEXT NOT NULL,
    note                TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX eng_hours_engagement ON eng_hours (engagement_id);

CREATE TABLE outreach_channels (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL,
    url                 TEXT NOT NULL DEFAULT '',
    notes               TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE outreach_campaigns (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    channel_id          INTEGER REFERENCES outreach_channels (id),
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL DEFAULT '',
    audience            TEXT NOT NULL DEFAULT '',
    materials           TEXT NOT NULL DEFAULT '',
    contacts_reached    INTEGER NOT NULL DEFAULT 0,
    requests_received   INTEGER NOT NULL DEFAULT 0,
    results             TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE outreach_campaigns;
DROP TABLE outreach_channels;
DROP TABLE eng_hours;
DROP TABLE eng_spot_checks;
DROP TABLE eng_contacts;
DROP TABLE engagements;
DROP TABLE eng_projects;
