-- What each tenant schema has applied, file by file, so that an edited
-- migration or one numbered below those already applied is refused instead
-- of silently skipped.
--
-- Kept in `platform`, keyed by schema, rather than in each tenant schema:
-- the tenant roles have DML on every table of their schema, so a record
-- there could be rewritten from the request path; here it is written in the
-- same transaction that holds the schema's registry row, it follows the
-- warm pool's rename (ON UPDATE CASCADE) and goes with the schema's row.
CREATE TABLE platform.tenant_schema_migrations (
    schema_name text NOT NULL,
    version     bigint NOT NULL,
    checksum    bytea NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schema_name, version),
    -- Deferred: a new schema records its migrations before its registry
    -- row is inserted, in the same transaction.
    FOREIGN KEY (schema_name) REFERENCES platform.tenant_schemas (schema_name)
        ON UPDATE CASCADE ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED
);

-- Every tenant migration this database has applied anywhere, once: the
-- no-op status query compares the binary's files with this small table
-- instead of scanning a row per schema and migration.
CREATE TABLE platform.tenant_migration_checksums (
    version  bigint PRIMARY KEY,
    checksum bytea NOT NULL
);
