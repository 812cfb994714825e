-- Tenants, their hostnames and the registry of tenant schemas.

CREATE TABLE platform.tenants (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE
                CHECK (slug ~ '^[a-z0-9]([a-z0-9]|-(?!-)){1,38}[a-z0-9]$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    locale      text NOT NULL DEFAULT 'fr' CHECK (locale ~ '^[a-z]{2}(-[A-Z]{2})?$'),
    theme       text NOT NULL DEFAULT 'default' CHECK (theme ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    brand       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform.domains (
    hostname    text PRIMARY KEY CHECK (hostname = lower(hostname) AND length(hostname) <= 253),
    tenant_id   bigint NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    kind        text NOT NULL CHECK (kind IN ('default', 'custom')),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_tenant_idx ON platform.domains (tenant_id);
CREATE UNIQUE INDEX domains_one_default_idx ON platform.domains (tenant_id) WHERE kind = 'default';

-- One row per tenant schema, and per spare schema of the warm pool
-- (tenant_id NULL). `version` is the last tenant migration applied.
CREATE TABLE platform.tenant_schemas (
    schema_name text PRIMARY KEY CHECK (schema_name ~ '^(t|spare)_[0-9]{1,19}$'),
    tenant_id   bigint UNIQUE REFERENCES platform.tenants (id) ON DELETE CASCADE,
    version     bigint NOT NULL DEFAULT 0,
    status      text NOT NULL CHECK (status IN ('spare', 'ready', 'quarantined')),
    node        text NOT NULL DEFAULT 'primary',
    last_error  text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'spare') = (tenant_id IS NULL))
);
CREATE INDEX tenant_schemas_pending_idx ON platform.tenant_schemas (version)
    WHERE status <> 'quarantined';
CREATE SEQUENCE platform.spare_schema_seq;

-- The first administrator of a tenant: the accounts module sends the invitation.
CREATE TABLE platform.admin_invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   bigint NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    UNIQUE (tenant_id, email)
);

-- Every instance keeps tenants in memory; any change to a tenant or its
-- domains is announced so their caches drop the stale entry.
CREATE FUNCTION platform.notify_tenant_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        changed := COALESCE(NEW.id, OLD.id);
    ELSE
        changed := COALESCE(NEW.tenant_id, OLD.tenant_id);
    END IF;
    PERFORM pg_notify('tessera_tenants', changed::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER tenants_notify AFTER INSERT OR UPDATE OR DELETE ON platform.tenants
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_change();
CREATE TRIGGER domains_notify AFTER INSERT OR UPDATE OR DELETE ON platform.domains
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_change();

-- Operators' and the CLI's changes to tenants, kept for accountability.
CREATE TABLE platform.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    action      text NOT NULL,
    tenant_id   bigint,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_tenant_idx ON platform.audit_log (tenant_id, at DESC);
