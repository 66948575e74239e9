-- +goose Up
-- Cases (issue 5): multi-party coordination under embargo. A case's public id is the
-- tracking id of the report it was opened from (one number follows the issue), or a
-- new id from the same series when it is opened directly. Embargo Management (Vultron
-- EM) is case-wide: em_state, the round of the current proposal and the dates; each
-- party's answer to a round is a row of case_consents. Case-state facts are instants
-- (NULL: not yet true).
CREATE TABLE cases (
    id                  INTEGER PRIMARY KEY,
    public_id           TEXT NOT NULL UNIQUE,
    report_id           INTEGER REFERENCES reports (id) ON DELETE SET NULL,
    title               TEXT NOT NULL,
    summary             TEXT NOT NULL DEFAULT '',
    details             TEXT NOT NULL DEFAULT '',
    project             TEXT NOT NULL DEFAULT '',
    phase               TEXT NOT NULL,
    tlp                 TEXT NOT NULL DEFAULT 'RED',
    terms               TEXT NOT NULL,
    em_state            TEXT NOT NULL DEFAULT 'none' CHECK (em_state IN ('none', 'proposed', 'active', 'revise', 'exited')),
    em_round            INTEGER NOT NULL DEFAULT 0,
    proposed_date       TIMESTAMP,
    proposed_by         TEXT NOT NULL DEFAULT '',
    proposed_at         TIMESTAMP,
    public_date         TIMESTAMP,
    vendor_aware_at     TIMESTAMP,
    fix_ready_at        TIMESTAMP,
    fix_deployed_at     TIMESTAMP,
    public_aware_at     TIMESTAMP,
    exploit_public_at   TIMESTAMP,
    attacks_observed_at TIMESTAMP,
    reply_token         TEXT NOT NULL UNIQUE,
    created_by          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    closed_at           TIMESTAMP
);
CREATE INDEX cases_updated ON cases (updated_at);
CREATE INDEX cases_report ON cases (report_id);

-- Participants: a user (user_id) or an email contact without an account (user_id NULL),
-- optionally on behalf of an organisation. authz reads case_id, user_id, case_role and
-- read_in_at.
CREATE TABLE case_members (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id             INTEGER REFERENCES users (id) ON DELETE SET NULL,
    email               TEXT NOT NULL DEFAULT '',
    name                TEXT NOT NULL DEFAULT '',
    organisation        TEXT NOT NULL DEFAULT '',
    case_role           TEXT NOT NULL CHECK (case_role IN ('coordinator', 'finder', 'owner', 'collaborator', 'downstream', 'observer')),
    required            BOOLEAN NOT NULL DEFAULT FALSE,
    read_in_at          TIMESTAMP,
    read_in_by          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    until               TIMESTAMP,
    rm_state            TEXT NOT NULL DEFAULT 'start',
    tracking_id         TEXT NOT NULL DEFAULT '',
    pgp_key             TEXT NOT NULL DEFAULT '',
    reply_token         TEXT NOT NULL UNIQUE,
    private_token       TEXT NOT NULL UNIQUE,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX case_members_case ON case_members (case_id);
CREATE INDEX case_members_user ON case_members (user_id);

-- A party's answer to one round of an embargo proposal; member_id 0 is the team.
CREATE TABLE case_consents (
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    round               INTEGER NOT NULL,
    member_id           INTEGER NOT NULL,
    answer              TEXT NOT NULL CHECK (answer IN ('accepted', 'rejected', 'countered')),
    public_date         TIMESTAMP,
    actor               TEXT NOT NULL,
    at                  TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, round, member_id)
);

CREATE TABLE case_vulns (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    label               TEXT NOT NULL,
    title               TEXT NOT NULL DEFAULT '',
    description         TEXT NOT NULL DEFAULT '',
    aliases             TEXT NOT NULL DEFAULT '',
    cvss_v4             TEXT NOT NULL DEFAULT '',
    cvss_v3             TEXT NOT NULL DEFAULT '',
    cwe                 TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (case_id, label)
);

CREATE TABLE case_packages (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    ecosystem           TEXT NOT NULL DEFAULT '',
    name                TEXT NOT NULL,
    purl                TEXT NOT NULL DEFAULT '',
    ranges_json         TEXT NOT NULL DEFAULT '[]',
    versions_json       TEXT NOT NULL DEFAULT '[]',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX case_packages_case ON case_packages (case_id);

-- Each party's status for each vulnerability. No row means "unknown" (no answer yet).
CREATE TABLE case_statuses (
    vuln_id             INTEGER NOT NULL REFERENCES case_vulns (id) ON DELETE CASCADE,
    member_id           INTEGER NOT NULL REFERENCES case_members (id) ON DELETE CASCADE,
    status              TEXT NOT NULL CHECK (status IN ('unknown', 'under_investigation', 'affected', 'fixed', 'not_affected', 'disputed')),
    justification       TEXT NOT NULL DEFAULT '',
    statement           TEXT NOT NULL DEFAULT '',
    actor               TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (vuln_id, member_id)
);

-- Discussion: shared (every read-in participant), private (one party and the team;
-- member_id names the party) and internal (the team only).
CREATE TABLE case_posts (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    thread              TEXT NOT NULL CHECK (thread IN ('shared', 'private', 'internal')),
    member_id           INTEGER REFERENCES case_members (id) ON DELETE CASCADE,
    author_id           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author              TEXT NOT NULL,
    via                 TEXT NOT NULL DEFAULT 'web',
    body                TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX case_posts_case ON case_posts (case_id, id);

CREATE TABLE case_tasks (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    title               TEXT NOT NULL,
    assignee_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    done_at             TIMESTAMP,
    done_by             TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks (case_id);

-- Signed webhooks per organisation (package notify delivers them through the outbox).
CREATE TABLE webhooks (
    id                  INTEGER PRIMARY KEY,
    organisation        TEXT NOT NULL,
    url                 TEXT NOT NULL,
    secret              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    disabled_at         TIMESTAMP
);
CREATE INDEX webhooks_org ON webhooks (organisation);

ALTER TABLE outbox ADD COLUMN webhook_id INTEGER;
CREATE INDEX attachments_case ON attachments (case_id);

-- +goose Down
DROP INDEX attachments_case;
ALTER TABLE outbox DROP COLUMN webhook_id;
DROP TABLE webhooks;
DROP TABLE case_tasks;
DROP TABLE case_posts;
DROP TABLE case_statuses;
DROP TABLE case_packages;
DROP TABLE case_vulns;
DROP TABLE case_consents;
DROP TABLE case_members;
DROP TABLE cases;
