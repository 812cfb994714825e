-- A domain moved between tenants (`UPDATE platform.domains SET tenant_id`,
-- by hand: the code itself deletes and inserts) announces both tenants, so
-- that every instance drops what it holds for the old owner as well as the
-- new one. Before, only the new owner was named.
CREATE OR REPLACE FUNCTION platform.notify_tenant_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        PERFORM pg_notify('tessera_tenants', COALESCE(NEW.id, OLD.id)::text);
        RETURN NULL;
    END IF;
    PERFORM pg_notify('tessera_tenants', COALESCE(NEW.tenant_id, OLD.tenant_id)::text);
    IF TG_OP = 'UPDATE' AND OLD.tenant_id IS NOT NULL
       AND OLD.tenant_id IS DISTINCT FROM NEW.tenant_id THEN
        PERFORM pg_notify('tessera_tenants', OLD.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;
