-- +goose Up
-- People and knowledge (internal/people, internal/knowledge): the roster of responder
-- profiles, on-call schedules for intake duty, recruitment and vetting of candidates,
-- versioned agreements, cohorts, training, and versioned Markdown documents
-- (playbooks, runbooks, onboarding docs) with the playbooks applied to cases.

CREATE TABLE responder_profiles (
    user_id             INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    skills              TEXT NOT NULL DEFAULT '',
    ecosystems          TEXT NOT NULL DEFAULT '',
    languages           TEXT NOT NULL DEFAULT '',
    time_zone           TEXT NOT NULL DEFAULT 'UTC',
    availability        TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'active',
    organisation        TEXT NOT NULL DEFAULT '',
    nda_version         TEXT NOT NULL DEFAULT '',
    nda_signed_on       TEXT NOT NULL DEFAULT '',
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE oncall_schedules (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    time_zone           TEXT NOT NULL,
    handoff             TEXT NOT NULL,
    handoff_time        TEXT NOT NULL DEFAULT '00:00',
    start_date          TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE oncall_members (
    schedule_id         INTEGER NOT NULL REFERENCES oncall_schedules (id) ON DELETE CASCADE,
    position            INTEGER NOT NULL,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (schedule_id, position)
);

CREATE TABLE oncall_overrides (
    id                  INTEGER PRIMARY KEY,
    schedule_id         INTEGER NOT NULL REFERENCES oncall_schedules (id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    starts_at           TIMESTAMP NOT NULL,
    ends_at             TIMESTAMP NOT NULL,
    reason              TEXT NOT NULL DEFAULT '',
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX oncall_overrides_schedule ON oncall_overrides (schedule_id, ends_at);

-- How far the on-call notifier has read the event log (one row per reader).
CREATE TABLE people_cursors (
    name                TEXT PRIMARY KEY,
    seq                 INTEGER NOT NULL
);

CREATE TABLE cohorts (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    starts_on           TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE candidates (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL,
    role                TEXT NOT NULL,
    motivation          TEXT NOT NULL DEFAULT '',
    stage               TEXT NOT NULL,
    rejection_reason    TEXT NOT NULL DEFAULT '',
    cohort_id           INTEGER REFERENCES cohorts (id),
    accept_token_hash   TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX candidates_stage ON candidates (stage);

CREATE TABLE candidate_notes (
    id                  INTEGER PRIMARY KEY,
    candidate_id        INTEGER NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL,
    body                TEXT NOT NULL,
    score               INTEGER,
    author              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX candidate_notes_candidate ON candidate_notes (candidate_id);

CREATE TABLE agreements (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,
    version             INTEGER NOT NULL,
    body                TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    UNIQUE (kind, version)
);

CREATE TABLE agreement_acceptances (
    id                  INTEGER PRIMARY KEY,
    agreement_id        INTEGER NOT NULL REFERENCES agreements (id),
    candidate_id        INTEGER REFERENCES candidates (id) ON DELETE CASCADE,
    user_id             INTEGER REFERENCES users (id) ON DELETE CASCADE,
    accepted_at         TIMESTAMP NOT NULL
);
CREATE INDEX agreement_acceptances_candidate ON agreement_acceptances (candidate_id);

CREATE TABLE courses (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    kind                TEXT NOT NULL,
    url                 TEXT NOT NULL DEFAULT '',
    hours               REAL NOT NULL DEFAULT 0,
    roles               TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE course_completions (
    course_id           INTEGER NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    completed_on        TEXT NOT NULL,
    hours               REAL NOT NULL DEFAULT 0,
    recorded_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (course_id, user_id)
);

CREATE TABLE docs (
    id                  INTEGER PRIMARY KEY,
    title               TEXT NOT NULL,
    kind                TEXT NOT NULL,
    version             INTEGER NOT NULL,
    owner_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    review_due          TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE doc_versions (
    doc_id              INTEGER NOT NULL REFERENCES docs (id) ON DELETE CASCADE,
    version             INTEGER NOT NULL,
    title               TEXT NOT NULL,
    body                TEXT NOT NULL,
    author              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, version)
);

CREATE TABLE doc_feedback (
    id                  INTEGER PRIMARY KEY,
    doc_id              INTEGER NOT NULL REFERENCES docs (id) ON DELETE CASCADE,
    version             INTEGER NOT NULL,
    body                TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'open',
    author              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE case_playbooks (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    doc_id              INTEGER NOT NULL REFERENCES docs (id),
    version             INTEGER NOT NULL,
    title               TEXT NOT NULL,
    tasks               INTEGER NOT NULL,
    applied_by          TEXT NOT NULL,
    applied_at          TIMESTAMP NOT NULL
);
CREATE INDEX case_playbooks_case ON case_playbooks (case_id);

-- +goose Down
DROP TABLE case_playbooks;
DROP TABLE doc_feedback;
DROP TABLE doc_versions;
DROP TABLE docs;
DROP TABLE course_completions;
DROP TABLE courses;
DROP TABLE agreement_acceptances;
DROP TABLE agreements;
DROP TABLE candidate_notes;
DROP TABLE candidates;
DROP TABLE cohorts;
DROP TABLE people_cursors;
DROP TABLE oncall_overrides;
DROP TABLE oncall_members;
DROP TABLE oncall_schedules;
DROP TABLE responder_profiles;
