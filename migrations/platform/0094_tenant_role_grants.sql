-- A tenant role's rights on its schema's tables and sequences, granted one
-- relation at a time. `GRANT … ON ALL TABLES IN SCHEMA` finds a schema's
-- relations by reading the whole of `pg_class` (it has no index on the
-- namespace), and so does the `ALL SEQUENCES` form: with a hundred-odd
-- relations per tenant, that read took a second per new schema at 3,300
-- tenants and grew with every tenant. Each relation records a dependency on
-- its schema in `pg_depend`, whose index on the referenced object finds a
-- schema's relations directly, whatever the number of tenants. New schemas
-- are empty when their role is made (the default privileges below cover the
-- tables their migrations create); the loop serves a schema that has tables.
CREATE OR REPLACE FUNCTION platform.grant_tenant_role(schema text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    role text := platform.tenant_role(schema);
    rel record;
BEGIN
    IF schema !~ '^(t|spare)_[0-9]+$' THEN
        RAISE EXCEPTION 'not a tenant schema name: %', schema;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', role);
    END IF;
    EXECUTE format('GRANT %I TO %I', role, platform.app_role());
    EXECUTE format('GRANT %I TO %I', platform.enqueue_role(), role);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema, role);
    -- The relation kinds `ALL TABLES` and `ALL SEQUENCES` cover.
    FOR rel IN
        SELECT c.oid::regclass AS name, c.relkind
        FROM pg_depend d
        JOIN pg_class c ON c.oid = d.objid
        WHERE d.refclassid = 'pg_namespace'::regclass
          AND d.refobjid = schema::regnamespace
          AND d.classid = 'pg_class'::regclass
          AND c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S')
    LOOP
        IF rel.relkind = 'S' THEN
            EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE %s TO %I', rel.name, role);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %I', rel.name, role);
        END IF;
    END LOOP;
    -- Tables that later migrations create get the same rights.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', schema, role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', schema, role);
END
$$;
REVOKE EXECUTE ON FUNCTION platform.grant_tenant_role(text) FROM PUBLIC;
