-- Several PostgreSQL servers ("nodes", `[[db.nodes]]` in the configuration)
-- can hold tenant schemas. This database, the primary, keeps every tenant's
-- platform rows. A tenant whose schema lives on another node has a row here
-- instead of one in `platform.tenant_schemas`: which node, and the schema
-- state that node last reported (`tessera migrate` copies it after migrating
-- the node). A node is itself a database migrated with these platform
-- migrations, for its own schema registry, roles, and the `jobs` table its
-- tenant transactions enqueue into (the primary's relay empties it).
CREATE TABLE platform.remote_schemas (
    tenant_id   bigint PRIMARY KEY REFERENCES platform.tenants (id) ON DELETE CASCADE,
    node        text NOT NULL CHECK (node ~ '^[a-z0-9][a-z0-9_-]{0,39}$' AND node <> 'primary'),
    version     bigint NOT NULL,
    status      text NOT NULL CHECK (status IN ('ready', 'quarantined')),
    last_error  text,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX remote_schemas_node_idx ON platform.remote_schemas (node);

-- Instances carry the schema's node and state on the tenant: a change of
-- either is a change of the tenant.
CREATE TRIGGER remote_schemas_notify AFTER INSERT OR UPDATE OR DELETE ON platform.remote_schemas
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_change();

-- While a tenant moves between nodes, its transactions are read-only.
ALTER TABLE platform.tenants ADD COLUMN read_only boolean NOT NULL DEFAULT false;
