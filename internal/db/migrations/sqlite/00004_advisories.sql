-- +goose Up
-- Advisories (issue 6). The advisory itself is the format-neutral document
-- (advisory/format.Advisory, OSV field names) kept as JSON text; the columns beside it
-- are what queries select and order on. case_id names the case an advisory was drafted
-- from; it has no foreign key because cases arrive in a later migration (the cases
-- package checks it), and it is NULL for imported and standalone advisories.
CREATE TABLE advisories (
    id            INTEGER PRIMARY KEY,
    public_id     TEXT NOT NULL UNIQUE,
    osv_id        TEXT NOT NULL UNIQUE,
    case_id       INTEGER,
    source        TEXT NOT NULL CHECK (source IN ('team', 'imported')),
    state         TEXT NOT NULL CHECK (state IN ('draft', 'review', 'approved', 'scheduled', 'published', 'withdrawn')),
    title         TEXT NOT NULL DEFAULT '',
    document      TEXT NOT NULL,
    author_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    approved_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    public_date   TIMESTAMP,
    published_at  TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX advisories_published ON advisories (published_at) WHERE published_at IS NOT NULL;
CREATE INDEX advisories_case ON advisories (case_id) WHERE case_id IS NOT NULL;

-- One row per saved revision of an advisory: the whole document as it was, who saved
-- it and why. Revision numbers count every save; the public (CSAF) revision history is
-- kept in the document itself.
CREATE TABLE advisory_revisions (
    advisory_id   INTEGER NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
    revision      INTEGER NOT NULL,
    at            TIMESTAMP NOT NULL,
    actor_id      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor         TEXT NOT NULL,
    state         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    document      TEXT NOT NULL,
    PRIMARY KEY (advisory_id, revision)
);

-- +goose Down
DROP TABLE advisory_revisions;
DROP TABLE advisories;
