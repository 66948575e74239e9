-- +goose Up
-- The directory (internal/directory): organisations the team reaches (projects,
-- vendors, distros, ecosystem teams, registries, coordinators, foundations, hosting
-- providers), their contacts and the packages they maintain (package keys: a purl
-- without version, qualifiers and subpath); case notifications fanned out to them
-- through the outbox; SIREN early-notification lists with vetted subscribers.
CREATE TABLE orgs (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    kind                TEXT NOT NULL,
    website             TEXT NOT NULL DEFAULT '',
    notes               TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL DEFAULT '',
    merged_into         INTEGER REFERENCES orgs (id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX orgs_name ON orgs (name);

CREATE TABLE org_contacts (
    id                  INTEGER PRIMARY KEY,
    org_id              INTEGER NOT NULL REFERENCES orgs (id),
    name                TEXT NOT NULL DEFAULT '',
    email               TEXT NOT NULL DEFAULT '',
    openpgp_key         TEXT NOT NULL DEFAULT '',
    webhook_url         TEXT NOT NULL DEFAULT '',
    securitytxt_url     TEXT NOT NULL DEFAULT '',
    policy_url          TEXT NOT NULL DEFAULT '',
    languages           TEXT NOT NULL DEFAULT '',
    time_zone           TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX org_contacts_org ON org_contacts (org_id);

CREATE TABLE org_packages (
    org_id              INTEGER NOT NULL REFERENCES orgs (id),
    package             TEXT NOT NULL,
    PRIMARY KEY (org_id, package)
);
CREATE INDEX org_packages_package ON org_packages (package);

CREATE TABLE siren_lists (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    description         TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE siren_subscribers (
    id                  INTEGER PRIMARY KEY,
    list_id             INTEGER NOT NULL REFERENCES siren_lists (id),
    email               TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    organisation        TEXT NOT NULL DEFAULT '',
    openpgp_key         TEXT NOT NULL DEFAULT '',
    reason              TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL,
    decided_by          TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    decided_at          TIMESTAMP,
    UNIQUE (list_id, email)
);

-- A notification is one message of a case to many recipients (organisations, the
-- maintainers of a package's dependents, or a SIREN list); each recipient address is
-- one delivery row, written with the notification. The fan-out job gives each delivery
-- its outbox message (outbox_id) in batches, each batch in one transaction.
CREATE TABLE dir_notifications (
    id                  INTEGER PRIMARY KEY,
    case_id             INTEGER NOT NULL,
    list_id             INTEGER REFERENCES siren_lists (id),
    target              TEXT NOT NULL,
    subject             TEXT NOT NULL,
    body                TEXT NOT NULL,
    tlp                 TEXT NOT NULL,
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX dir_notifications_case ON dir_notifications (case_id);
CREATE INDEX dir_notifications_list ON dir_notifications (list_id);

CREATE TABLE dir_deliveries (
    notification_id     INTEGER NOT NULL REFERENCES dir_notifications (id),
    email               TEXT NOT NULL,
    org_id              INTEGER,
    outbox_id           INTEGER,
    encrypt_to          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (notification_id, email)
);
CREATE INDEX dir_deliveries_outbox ON dir_deliveries (notification_id, outbox_id);

-- +goose Down
DROP TABLE dir_deliveries;
DROP TABLE dir_notifications;
DROP TABLE siren_subscribers;
DROP TABLE siren_lists;
DROP TABLE org_packages;
DROP TABLE org_contacts;
DROP TABLE orgs;
