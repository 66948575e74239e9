-- +goose Up
-- The plan tracker (internal/plan). A plan is one imported Markdown file, known by its
-- name (the number of its top-level section, "3.0", unless given); every import keeps
-- its source as a version, and the rows below carry the tracking (status, owners, due
-- dates, links, hours) that a re-import must keep.
CREATE TABLE plans (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    title               TEXT NOT NULL DEFAULT '',
    current_version     INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

CREATE TABLE plan_versions (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    version             INTEGER NOT NULL,
    filename            TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL,
    sha256              TEXT NOT NULL,
    summary_json        TEXT NOT NULL DEFAULT '{}',
    imported_by         TEXT NOT NULL,
    imported_at         TIMESTAMP NOT NULL,
    UNIQUE (plan_id, version)
);

CREATE TABLE plan_sections (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    parent_id           INTEGER REFERENCES plan_sections (id),
    number              TEXT NOT NULL DEFAULT '',
    title               TEXT NOT NULL DEFAULT '',
    level               INTEGER NOT NULL DEFAULT 1,
    line                INTEGER NOT NULL,
    position            INTEGER NOT NULL,
    lead                TEXT NOT NULL DEFAULT '',
    team_json           TEXT NOT NULL DEFAULT '[]',
    meeting             TEXT NOT NULL DEFAULT '',
    tracking            TEXT NOT NULL DEFAULT '',
    body                TEXT NOT NULL DEFAULT '',
    links_json          TEXT NOT NULL DEFAULT '[]',
    depends_on_json     TEXT NOT NULL DEFAULT '[]',
    footnotes_json      TEXT NOT NULL DEFAULT '[]',
    estimates_json      TEXT NOT NULL DEFAULT '{}',
    archived_at         TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX plan_sections_plan ON plan_sections (plan_id, position);

CREATE TABLE plan_milestones (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    section_id          INTEGER NOT NULL REFERENCES plan_sections (id),
    code                TEXT NOT NULL,
    generated_code      BOOLEAN NOT NULL DEFAULT FALSE,
    title               TEXT NOT NULL DEFAULT '',
    line                INTEGER NOT NULL,
    position            INTEGER NOT NULL,
    checkbox            BOOLEAN NOT NULL DEFAULT FALSE,
    source_done         BOOLEAN NOT NULL DEFAULT FALSE,
    issues_json         TEXT NOT NULL DEFAULT '[]',
    footnotes_json      TEXT NOT NULL DEFAULT '[]',
    depends_on_json     TEXT NOT NULL DEFAULT '[]',
    volunteers_min      DOUBLE PRECISION,
    volunteers_max      DOUBLE PRECISION,
    volunteers_pgm      DOUBLE PRECISION,
    individual_hours_min DOUBLE PRECISION,
    individual_hours_max DOUBLE PRECISION,
    total_hours_min     DOUBLE PRECISION,
    total_hours_max     DOUBLE PRECISION,
    stage               TEXT NOT NULL DEFAULT '',
    stage_marker        TEXT NOT NULL DEFAULT '',
    estimate_text       TEXT NOT NULL DEFAULT '',
    estimate_line       INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'blocked', 'done')),
    owner_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_date            TEXT NOT NULL DEFAULT '',
    completed_at        TIMESTAMP,
    archived_at         TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX plan_milestones_section ON plan_milestones (section_id, position);
CREATE INDEX plan_milestones_plan ON plan_milestones (plan_id);

CREATE TABLE plan_tasks (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    section_id          INTEGER NOT NULL REFERENCES plan_sections (id),
    milestone_id        INTEGER REFERENCES plan_milestones (id),
    parent_id           INTEGER REFERENCES plan_tasks (id),
    depth               INTEGER NOT NULL DEFAULT 0,
    body                TEXT NOT NULL DEFAULT '',
    line                INTEGER NOT NULL,
    position            INTEGER NOT NULL,
    checkbox            BOOLEAN NOT NULL DEFAULT FALSE,
    source_done         BOOLEAN NOT NULL DEFAULT FALSE,
    issues_json         TEXT NOT NULL DEFAULT '[]',
    footnotes_json      TEXT NOT NULL DEFAULT '[]',
    status              TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'blocked', 'done')),
    owner_id            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    due_date            TEXT NOT NULL DEFAULT '',
    completed_at        TIMESTAMP,
    archived_at         TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX plan_tasks_milestone ON plan_tasks (milestone_id, position);
CREATE INDEX plan_tasks_plan ON plan_tasks (plan_id);

-- Links from a milestone or task to a sirt object (a playbook, a course, a survey…).
CREATE TABLE plan_links (
    id                  INTEGER PRIMARY KEY,
    item_type           TEXT NOT NULL CHECK (item_type IN ('milestone', 'task')),
    item_id             BIGINT NOT NULL,
    object_type         TEXT NOT NULL,
    object_id           TEXT NOT NULL,
    label               TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX plan_links_item ON plan_links (item_type, item_id);

-- Dependencies are read from the source on every import ("depends on 2.1").
CREATE TABLE plan_dependencies (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    section_id          INTEGER NOT NULL REFERENCES plan_sections (id),
    milestone_code      TEXT NOT NULL DEFAULT '',
    depends_on          TEXT NOT NULL,
    mark                TEXT NOT NULL DEFAULT '',
    line                INTEGER NOT NULL
);
CREATE INDEX plan_dependencies_section ON plan_dependencies (section_id);

CREATE TABLE plan_footnotes (
    id                  INTEGER PRIMARY KEY,
    version_id          INTEGER NOT NULL REFERENCES plan_versions (id) ON DELETE CASCADE,
    label               TEXT NOT NULL,
    body                TEXT NOT NULL,
    line                INTEGER NOT NULL,
    referenced          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX plan_footnotes_version ON plan_footnotes (version_id);

CREATE TABLE plan_warnings (
    id                  INTEGER PRIMARY KEY,
    version_id          INTEGER NOT NULL REFERENCES plan_versions (id) ON DELETE CASCADE,
    line                INTEGER NOT NULL,
    message             TEXT NOT NULL
);
CREATE INDEX plan_warnings_version ON plan_warnings (version_id);

-- Volunteer hours: against a milestone or a task of the plan, or a case or engagement
-- (ref_type + ref_id) for the capabilities that come later.
CREATE TABLE plan_hours (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id),
    milestone_id        INTEGER REFERENCES plan_milestones (id),
    task_id             INTEGER REFERENCES plan_tasks (id),
    ref_type            TEXT NOT NULL DEFAULT '' CHECK (ref_type IN ('', 'case', 'engagement')),
    ref_id              TEXT NOT NULL DEFAULT '',
    hours               DOUBLE PRECISION NOT NULL CHECK (hours > 0),
    worked_on           TEXT NOT NULL,
    note                TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX plan_hours_milestone ON plan_hours (milestone_id);
CREATE INDEX plan_hours_user ON plan_hours (user_id, worked_on);

-- +goose Down
DROP TABLE plan_hours;
DROP TABLE plan_warnings;
DROP TABLE plan_footnotes;
DROP TABLE plan_dependencies;
DROP TABLE plan_links;
DROP TABLE plan_tasks;
DROP TABLE plan_milestones;
DROP TABLE plan_sections;
DROP TABLE plan_versions;
DROP TABLE plans;
