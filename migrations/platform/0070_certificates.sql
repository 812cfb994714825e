-- Certificates of custom domains, obtained over ACME and shared by every
-- instance: each loads them at start and reloads a name when
-- `NOTIFY tessera_certs, '<hostname>'` says it changed. The private key is
-- sealed (AES-256-GCM) with a key from the configuration, never stored in
-- clear. A row exists for every domain that may have a certificate; it is
-- `pending` until the first one is issued. A failed renewal keeps the
-- working chain: only a success replaces it.
CREATE TABLE platform.certificates (
    hostname        text PRIMARY KEY
                    CHECK (hostname = lower(hostname) AND length(hostname) <= 253),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'valid', 'failed')),
    chain_pem       text,
    key_sealed      bytea,
    not_before      timestamptz,
    not_after       timestamptz,
    issuer          text,
    -- When to order the next one: two thirds into the current one's life.
    renew_at        timestamptz,
    issued_at       timestamptz,
    -- Failures since the last success, and when to try again (back-off).
    failures        integer NOT NULL DEFAULT 0,
    last_error      text,
    last_attempt_at timestamptz,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- Set when the operators were told about repeated failures (once per run).
    alerted_at      timestamptz,
    -- The instance ordering it now: one order per domain across instances.
    leased_by       text,
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((chain_pem IS NULL) = (key_sealed IS NULL)),
    CHECK (chain_pem IS NULL OR (not_before IS NOT NULL AND not_after IS NOT NULL AND renew_at IS NOT NULL))
);
CREATE INDEX certificates_due_idx ON platform.certificates (LEAST(next_attempt_at, renew_at));

-- Every order placed, kept a week: the ACME rate limit is counted from it,
-- and it shows who ordered what.
CREATE TABLE platform.acme_orders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hostname    text NOT NULL,
    instance    text NOT NULL,
    challenge   text NOT NULL CHECK (challenge IN ('http-01', 'tls-alpn-01', 'local')),
    placed_at   timestamptz NOT NULL DEFAULT now(),
    outcome     text CHECK (outcome IN ('issued', 'failed')),
    error       text
);
CREATE INDEX acme_orders_placed_idx ON platform.acme_orders (placed_at);
CREATE INDEX acme_orders_hostname_idx ON platform.acme_orders (hostname, placed_at);

-- Challenges being validated, answered by whichever instance the ACME
-- server reaches: HTTP-01 by token, TLS-ALPN-01 by hostname.
CREATE TABLE platform.acme_challenges (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hostname          text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('http-01', 'tls-alpn-01')),
    token             text NOT NULL,
    key_authorization text NOT NULL,
    expires_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX acme_challenges_token_idx ON platform.acme_challenges (token, hostname);
CREATE INDEX acme_challenges_hostname_idx ON platform.acme_challenges (hostname, kind);

-- One ACME account per directory (Let's Encrypt, its staging, Pebble…);
-- the credentials hold a private key, sealed like certificates' keys.
-- `paused_until` is set when the server says we are rate limited.
CREATE TABLE platform.acme_accounts (
    directory         text PRIMARY KEY,
    credentials_sealed bytea NOT NULL,
    paused_until      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION platform.notify_certificate_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tessera_certs', COALESCE(NEW.hostname, OLD.hostname));
    RETURN NULL;
END
$$;
-- Instances care about the chain they serve, not about bookkeeping.
CREATE TRIGGER certificates_notify
    AFTER INSERT OR DELETE OR UPDATE OF chain_pem, status, next_attempt_at ON platform.certificates
    FOR EACH ROW EXECUTE FUNCTION platform.notify_certificate_change();
