-- A version per tenant row, bumped by the database on every UPDATE of the
-- row (whatever the statement, including manual SQL): caches of things
-- derived from the row (rendered pages) are keyed by it, so a page rendered
-- from an older copy of the tenant can never be served for the newer one.
-- A counter rather than `updated_at`: `now()` is the transaction's start,
-- so two changes could share a value, and clocks can step back.
ALTER TABLE platform.tenants ADD COLUMN version bigint NOT NULL DEFAULT 1;

CREATE FUNCTION platform.bump_tenant_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER tenants_version BEFORE UPDATE ON platform.tenants
    FOR EACH ROW EXECUTE FUNCTION platform.bump_tenant_version();

-- Instances carry the schema's status on the tenant (a quarantined or
-- lagging schema is answered 503): a change of it is a change of the tenant.
CREATE TRIGGER tenant_schemas_notify AFTER UPDATE ON platform.tenant_schemas
    FOR EACH ROW
    WHEN (NEW.tenant_id IS NOT NULL
          AND (NEW.tenant_id, NEW.status, NEW.version)
              IS DISTINCT FROM (OLD.tenant_id, OLD.status, OLD.version))
    EXECUTE FUNCTION platform.notify_tenant_change();
