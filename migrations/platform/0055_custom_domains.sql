-- Custom domains are claimed before they route. A claim is `pending` until
-- its owner proves control (a TXT record, or an HTTP token reached through
-- DNS that points here), then `verified` (it routes), and `active` once DNS
-- points here as well. An operator may assert a domain (`method =
-- 'operator'`): manifests and the CLI do. A pending claim nobody proves
-- expires. Only verified and active claims have a `platform.domains` row,
-- which is what instances route from: nothing unproven can route.
CREATE TABLE platform.domain_claims (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id       bigint NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    hostname        text NOT NULL
                    CHECK (hostname = lower(hostname) AND length(hostname) <= 253),
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'verified', 'active', 'expired')),
    method          text CHECK (method IN ('dns_txt', 'http', 'operator')),
    -- Published in DNS or served over HTTP: proof material, not a secret.
    token           text NOT NULL CHECK (token ~ '^[a-z2-7]{32}$'),
    dns_status      text NOT NULL DEFAULT 'unknown'
                    CHECK (dns_status IN ('unknown', 'ok', 'missing', 'wrong_target')),
    cert_status     text NOT NULL DEFAULT 'none'
                    CHECK (cert_status IN ('none', 'pending', 'issued', 'failed')),
    is_primary      boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    verified_at     timestamptz,
    last_checked_at timestamptz,
    next_check_at   timestamptz NOT NULL DEFAULT now(),
    check_failures  integer NOT NULL DEFAULT 0,
    last_error      text,
    UNIQUE (tenant_id, hostname),
    CHECK ((state IN ('verified', 'active')) = (verified_at IS NOT NULL AND method IS NOT NULL)),
    CHECK (NOT is_primary OR state = 'active')
);
-- One owner per domain: many tenants may try, one proves.
CREATE UNIQUE INDEX domain_claims_one_owner_idx ON platform.domain_claims (hostname)
    WHERE state IN ('verified', 'active');
CREATE UNIQUE INDEX domain_claims_one_primary_idx ON platform.domain_claims (tenant_id)
    WHERE is_primary;
CREATE INDEX domain_claims_due_idx ON platform.domain_claims (next_check_at)
    WHERE state <> 'expired';
CREATE INDEX domain_claims_hostname_idx ON platform.domain_claims (hostname);

-- Domains a tenant gave up: for a while only a TXT proof may claim them
-- again, since an HTTP token proves only that DNS still points here (a
-- dangling CNAME left by the previous owner would).
CREATE TABLE platform.domain_releases (
    hostname    text NOT NULL,
    tenant_id   bigint NOT NULL,
    released_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domain_releases_hostname_idx ON platform.domain_releases (hostname, released_at);

ALTER TABLE platform.domains
    ADD COLUMN claim_id bigint UNIQUE REFERENCES platform.domain_claims (id) ON DELETE CASCADE;

-- Custom domains set so far came from operators (manifests, the CLI).
INSERT INTO platform.domain_claims
    (tenant_id, hostname, state, method, token, dns_status, verified_at, next_check_at)
SELECT d.tenant_id, d.hostname, 'active', 'operator',
       translate(substr(md5(random()::text || d.hostname), 1, 32), '0189', 'wxyz'),
       'ok', d.created_at, now()
FROM platform.domains AS d WHERE d.kind = 'custom';
UPDATE platform.domains AS d SET claim_id = c.id
FROM platform.domain_claims AS c
WHERE d.kind = 'custom' AND c.hostname = d.hostname AND c.tenant_id = d.tenant_id;

ALTER TABLE platform.domains
    ADD CONSTRAINT domains_custom_has_claim CHECK ((kind = 'custom') = (claim_id IS NOT NULL));

-- The primary domain is part of what a tenant row means to instances (the
-- host others redirect to): a claim change reloads the tenant everywhere.
CREATE TRIGGER domain_claims_notify AFTER INSERT OR UPDATE OR DELETE ON platform.domain_claims
    FOR EACH ROW EXECUTE FUNCTION platform.notify_tenant_change();

-- Tenant administrators change their own domains: a door of its own.
ALTER TABLE platform.audit_log DROP CONSTRAINT audit_log_via_check;
ALTER TABLE platform.audit_log ADD CONSTRAINT audit_log_via_check
    CHECK (via IN ('cli', 'console', 'api', 'signup', 'job', 'demo', 'manifest', 'staff'));
