-- Tenant isolation enforced by PostgreSQL, not only by our code.
--
-- Every tenant schema gets a NOLOGIN role of its own, granted USAGE on that
-- schema and DML on its tables and sequences, nothing else. Requests are
-- served through one login role, `<prefix>_app`, which owns nothing, has no
-- privilege of its own in any tenant schema nor in `platform`, and is a
-- NOINHERIT member of every tenant role: a tenant transaction starts with
-- `SET LOCAL ROLE <prefix>_<schema>`, after which a query naming another
-- tenant's schema, or `platform.*`, fails with "permission denied".
--
-- The schemas and their tables stay owned by the role that runs migrations
-- and provisioning (the one in DATABASE_URL, which needs CREATEROLE), so the
-- request path cannot alter or drop them either.
--
-- Role names are cluster-wide while schemas are per database: the random
-- prefix keeps two databases on one cluster (tests, staging beside
-- production) from colliding.

CREATE TABLE platform.db_roles (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    prefix       text NOT NULL CHECK (prefix ~ '^r[0-9a-f]{8}$'),
    app_password text NOT NULL
);

INSERT INTO platform.db_roles (prefix, app_password)
VALUES ('r' || substr(md5(gen_random_uuid()::text), 1, 8),
        md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text));

REVOKE ALL ON SCHEMA platform FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA platform FROM PUBLIC;

-- The role that serves `schema` (a tenant's `t_<id>` or a spare's `spare_<n>`).
CREATE FUNCTION platform.tenant_role(schema text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT prefix || '_' || schema FROM platform.db_roles
$$;

CREATE FUNCTION platform.app_role() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT prefix || '_app' FROM platform.db_roles
$$;

-- Creates (if missing) the role of `schema` and grants it exactly that
-- schema. Idempotent: also used to backfill schemas made before roles.
CREATE FUNCTION platform.grant_tenant_role(schema text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    role text := platform.tenant_role(schema);
BEGIN
    IF schema !~ '^(t|spare)_[0-9]+$' THEN
        RAISE EXCEPTION 'not a tenant schema name: %', schema;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', role);
    END IF;
    EXECUTE format('GRANT %I TO %I', role, platform.app_role());
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema, role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema, role);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema, role);
    -- Tables that later migrations create get the same rights.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', schema, role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', schema, role);
END
$$;

-- A spare claimed by a tenant: its role follows the schema's new name.
CREATE FUNCTION platform.rename_tenant_role(old_schema text, new_schema text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I RENAME TO %I',
                   platform.tenant_role(old_schema), platform.tenant_role(new_schema));
END
$$;

-- After `DROP SCHEMA … CASCADE`: the role has no privileges left to hold it.
CREATE FUNCTION platform.drop_tenant_role(schema text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('DROP ROLE IF EXISTS %I', platform.tenant_role(schema));
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = platform.app_role()) THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOINHERIT PASSWORD %L',
                       platform.app_role(), (SELECT app_password FROM platform.db_roles));
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), platform.app_role());
END
$$;

SELECT platform.grant_tenant_role(schema_name) FROM platform.tenant_schemas;
