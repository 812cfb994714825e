-- Platform operators: the people who run Tessera itself (`src/platform/`).
--
-- They live apart from every tenant's accounts: their own table, sessions,
-- second factor and API tokens. Secrets handed to clients (session ids,
-- enrolment links, recovery codes, tokens) are stored as SHA-256 digests.

CREATE TABLE platform.operators (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            text NOT NULL
                     CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+$'),
    display_name     text NOT NULL DEFAULT '' CHECK (length(display_name) <= 120),
    role             text NOT NULL CHECK (role IN ('support', 'operator')),
    status           text NOT NULL DEFAULT 'invited'
                     CHECK (status IN ('invited', 'active', 'deactivated')),
    password_hash    text,
    totp_secret      text,
    totp_enabled_at  timestamptz,
    totp_last_step   bigint,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'active' OR password_hash IS NOT NULL),
    CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL)
);
CREATE UNIQUE INDEX operators_email_idx ON platform.operators (lower(email));

CREATE TABLE platform.operator_recovery_codes (
    operator_id  bigint NOT NULL REFERENCES platform.operators (id) ON DELETE CASCADE,
    hash         bytea NOT NULL CHECK (length(hash) = 32),
    used_at      timestamptz,
    PRIMARY KEY (operator_id, hash)
);

-- One-time links that let an operator choose a password and enrol a second
-- factor (`tessera operator create` without a password, `reset-2fa`).
CREATE TABLE platform.operator_links (
    hash         bytea PRIMARY KEY CHECK (length(hash) = 32),
    operator_id  bigint NOT NULL REFERENCES platform.operators (id) ON DELETE CASCADE,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz
);

-- A console session goes through stages: the password was right
-- (`password`: only the second-factor page), no factor enrolled yet
-- (`enrol`: only enrolment), then `full`.
CREATE TABLE platform.operator_sessions (
    id_hash       bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    operator_id   bigint NOT NULL REFERENCES platform.operators (id) ON DELETE CASCADE,
    stage         text NOT NULL CHECK (stage IN ('password', 'enrol', 'full')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    ip            inet,
    user_agent    text CHECK (length(user_agent) <= 300)
);
CREATE INDEX operator_sessions_operator_idx ON platform.operator_sessions (operator_id);

CREATE TABLE platform.operator_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id   bigint NOT NULL REFERENCES platform.operators (id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    hash          bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    hint          text NOT NULL CHECK (hint LIKE 'tso\_%'),
    role          text NOT NULL CHECK (role IN ('support', 'operator')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    UNIQUE (operator_id, name)
);

-- Who acted, and how, on each platform audit entry; the log is append-only.
ALTER TABLE platform.audit_log
    ADD COLUMN operator_id bigint REFERENCES platform.operators (id),
    ADD COLUMN via text NOT NULL DEFAULT 'cli'
        CHECK (via IN ('cli', 'console', 'api', 'signup', 'job', 'demo', 'manifest')),
    ADD COLUMN ip inet;
CREATE INDEX audit_log_operator_idx ON platform.audit_log (operator_id, at DESC)
    WHERE operator_id IS NOT NULL;
CREATE INDEX audit_log_at_idx ON platform.audit_log (at DESC);

CREATE FUNCTION platform.refuse_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the platform audit log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON platform.audit_log
    FOR EACH ROW EXECUTE FUNCTION platform.refuse_audit_change();

-- Why a tenant is suspended, shown on its 503 page.
ALTER TABLE platform.tenants
    ADD COLUMN status_reason text CHECK (length(status_reason) <= 500);
