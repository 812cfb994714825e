-- Self-service sign-up: an association asks for a portal, confirms its
-- address, and only then is the tenant created. Requests are kept a week
-- after they expire, for the per-address rate limit and for support.
CREATE TABLE platform.signups (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email        text NOT NULL,
    locale       text NOT NULL,
    theme        text NOT NULL,
    brand        jsonb NOT NULL DEFAULT '{}'::jsonb,
    token_hash   bytea NOT NULL UNIQUE,
    ip           inet,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    confirmed_at timestamptz,
    tenant_id    bigint REFERENCES platform.tenants (id) ON DELETE SET NULL
);
CREATE INDEX signups_ip_idx ON platform.signups (ip, created_at);
CREATE INDEX signups_email_idx ON platform.signups (lower(email), created_at);

-- What a slug looks like once look-alike characters are folded (0 → o,
-- 1 and i → l, rn → m, vv → w, hyphens dropped): a new slug whose skeleton
-- is a tenant's or a reserved name's is refused. `model::Slug::skeleton`
-- folds the same way.
CREATE FUNCTION platform.slug_skeleton(slug text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(replace(replace(slug, 'rn', 'm'), 'vv', 'w'), '01i34578-', 'olleastb')
$$;
CREATE INDEX tenants_slug_skeleton_idx ON platform.tenants (platform.slug_skeleton(slug));
