-- What pgbouncer's auth_query reads (see pgbouncer.ini), run as a
-- superuser in Tessera's database. The pgbouncer role itself is created once
-- per cluster, with the password written in pgbouncer's auth_file:
--   CREATE ROLE pgbouncer LOGIN PASSWORD '…';
-- The function reads pg_shadow as its owner (a superuser) and returns no
-- superuser's secret: pgbouncer can log in as Tessera's app role, not as
-- an administrator.

CREATE SCHEMA IF NOT EXISTS pgbouncer;
REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO pgbouncer;

CREATE OR REPLACE FUNCTION pgbouncer.get_auth(p_usename text)
RETURNS TABLE (usename name, passwd text)
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT usename, passwd FROM pg_shadow WHERE usename = p_usename AND NOT usesuper
$$;

REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgbouncer;
