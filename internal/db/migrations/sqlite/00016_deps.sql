-- +goose Up
-- The dependency graph (internal/deps): packages are package URLs without version,
-- qualifiers and subpath; edges say that dependent_id depends on dependency_id, with the
-- version constraint as written and where the edge came from ("edges" for bulk edge
-- lists, "sbom:<id>" for an imported SBOM). dep_graph holds one row whose version every
-- import bumps in its transaction: the in-memory index of each process compares it to
-- the version it was built from.
CREATE TABLE dep_packages (
    id                  INTEGER PRIMARY KEY,
    purl                TEXT NOT NULL UNIQUE,
    type                TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE dep_edges (
    id                  INTEGER PRIMARY KEY,
    dependency_id       INTEGER NOT NULL REFERENCES dep_packages (id),
    dependent_id        INTEGER NOT NULL REFERENCES dep_packages (id),
    version_constraint  TEXT NOT NULL DEFAULT '',
    source              TEXT NOT NULL,
    UNIQUE (dependency_id, dependent_id, source)
);

CREATE TABLE dep_sboms (
    id                  INTEGER PRIMARY KEY,
    format              TEXT NOT NULL,
    spec_version        TEXT NOT NULL,
    name                TEXT NOT NULL DEFAULT '',
    serial              TEXT NOT NULL DEFAULT '',
    sha256              TEXT NOT NULL UNIQUE,
    root_package_id     INTEGER REFERENCES dep_packages (id),
    components          INTEGER NOT NULL DEFAULT 0,
    created_at          TIMESTAMP NOT NULL
);

CREATE TABLE dep_sbom_entries (
    id                  INTEGER PRIMARY KEY,
    sbom_id             INTEGER NOT NULL REFERENCES dep_sboms (id),
    package_id          INTEGER NOT NULL REFERENCES dep_packages (id),
    ref                 TEXT NOT NULL DEFAULT '',
    purl                TEXT NOT NULL,
    version             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX dep_sbom_entries_sbom ON dep_sbom_entries (sbom_id);
CREATE INDEX dep_sbom_entries_package ON dep_sbom_entries (package_id);

CREATE TABLE dep_graph (
    id                  INTEGER PRIMARY KEY,
    version             INTEGER NOT NULL,
    updated_at          TIMESTAMP
);
INSERT INTO dep_graph (id, version) VALUES (1, 0);

-- +goose Down
DROP TABLE dep_graph;
DROP TABLE dep_sbom_entries;
DROP TABLE dep_sboms;
DROP TABLE dep_edges;
DROP TABLE dep_packages;
