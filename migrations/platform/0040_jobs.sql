-- The durable job queue (`src/jobs/`) and the demo's mail outbox (`src/mail/`).
--
-- A job carries the tenant it runs for (NULL: a platform job). Workers claim
-- jobs with `FOR UPDATE SKIP LOCKED` and hold a lease (`locked_until`); a job
-- whose worker died is claimed again once its lease has passed.
--
-- Tenants enqueue jobs inside their own transaction, which runs as their own
-- role (`SET LOCAL ROLE <prefix>_t_<id>`), so that a job is rolled back with
-- the change that asked for it. That role may INSERT into this table and do
-- nothing else: no SELECT, UPDATE or DELETE, and only the columns a request
-- chooses. Row-level security then requires the row's tenant to be the one
-- whose role is inserting: the check compares `current_user` with the role
-- name built from the row's `tenant_id`, so it follows a spare's role when
-- it is renamed to its tenant's, and no other tenant's id can pass.

CREATE TABLE platform.jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     bigint REFERENCES platform.tenants (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,63}$'),
    payload       jsonb NOT NULL DEFAULT '{}'::jsonb,
    state         text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'running', 'done', 'dead')),
    run_at        timestamptz NOT NULL DEFAULT now(),
    attempts      integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    -- When the job's outside effect (a mail accepted by the SMTP server) was
    -- confirmed: a re-run after a crash skips it instead of repeating it.
    effect_at     timestamptz,
    dedupe_key    text CHECK (length(dedupe_key) <= 200),
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);

-- What a worker claims: due pending jobs, and running ones whose lease ran out.
CREATE INDEX jobs_due_idx ON platform.jobs (run_at) WHERE state = 'pending';
CREATE INDEX jobs_leased_idx ON platform.jobs (locked_until) WHERE state = 'running';
CREATE INDEX jobs_dead_idx ON platform.jobs (finished_at) WHERE state IN ('done', 'dead');
CREATE INDEX jobs_tenant_idx ON platform.jobs (tenant_id);
-- At most one waiting or running job per tenant and dedupe key.
CREATE UNIQUE INDEX jobs_dedupe_idx ON platform.jobs (coalesce(tenant_id, 0), dedupe_key)
    WHERE dedupe_key IS NOT NULL AND state IN ('pending', 'running');

-- Wakes idle workers (`tenancy::listen`); delivered at commit, dropped on
-- rollback, like the job itself. Per row, so that an insert that inserted
-- nothing (a dedupe key already waiting) wakes nobody; PostgreSQL folds the
-- identical notifications of one transaction into one.
CREATE FUNCTION platform.notify_jobs() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tessera_jobs', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify AFTER INSERT ON platform.jobs
    FOR EACH ROW EXECUTE FUNCTION platform.notify_jobs();

-- Mails kept instead of sent (`[mail] transport = "outbox"`, the demo's).
CREATE TABLE platform.outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint UNIQUE,
    tenant_id   bigint REFERENCES platform.tenants (id) ON DELETE CASCADE,
    recipient   text NOT NULL,
    subject     text NOT NULL,
    text_body   text NOT NULL,
    html_body   text NOT NULL,
    message_id  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The group of tenant roles, and its only rights.
CREATE FUNCTION platform.enqueue_role() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT prefix || '_enqueue' FROM platform.db_roles
$$;

ALTER TABLE platform.jobs ENABLE ROW LEVEL SECURITY;

DO $$
DECLARE
    enqueue text := platform.enqueue_role();
    prefix text := (SELECT prefix FROM platform.db_roles);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = enqueue) THEN
        EXECUTE format('CREATE ROLE %I NOLOGIN', enqueue);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA platform TO %I', enqueue);
    EXECUTE format('GRANT INSERT (tenant_id, kind, payload, run_at, dedupe_key) ON platform.jobs TO %I',
                   enqueue);
    -- The prefix is fixed for the life of the database, so it is written
    -- into the policy rather than read at each insert (reading it would
    -- need a right on `platform.db_roles`, which holds a password).
    -- `platform.*` kinds are the platform's own jobs: never a tenant's.
    EXECUTE format(
        'CREATE POLICY jobs_enqueue_own ON platform.jobs FOR INSERT TO %I
         WITH CHECK (tenant_id IS NOT NULL
                     AND current_user::text = %L || tenant_id::text
                     AND state = ''pending'' AND attempts = 0
                     AND locked_until IS NULL AND effect_at IS NULL
                     AND kind NOT LIKE ''platform.%%''
                     AND octet_length(payload::text) <= 65536)',
        enqueue, prefix || '_t_');
END
$$;

-- Tenant roles join the group: every role made from now on (and spares,
-- whose membership survives their rename)…
CREATE OR REPLACE FUNCTION platform.grant_tenant_role(schema text) RETURNS void
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
    EXECUTE format('GRANT %I TO %I', platform.enqueue_role(), role);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', schema, role);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I', schema, role);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', schema, role);
    -- Tables that later migrations create get the same rights.
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', schema, role);
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO %I', schema, role);
END
$$;

-- …and every role that already exists.
SELECT platform.grant_tenant_role(schema_name) FROM platform.tenant_schemas;

-- Tenant roles got USAGE on `platform` above (to reach the jobs table) and
-- must gain nothing else there: no function of the schema is executable by
-- everyone. (A later SECURITY DEFINER function in `platform` must revoke
-- EXECUTE from PUBLIC itself: per-schema default privileges cannot.)
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA platform FROM PUBLIC;
