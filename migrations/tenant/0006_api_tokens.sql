-- Credentials of programs: OAuth2 clients and their one-time codes, the
-- refresh tokens of the API (password log-in or OAuth2) and the API keys
-- of integrations.
--
-- Every secret is stored as the SHA-256 digest of a 256-bit random value;
-- the value itself is shown once and never kept.

-- Applications registered by the tenant's admins (public clients: no
-- secret, PKCE S256 mandatory). Redirect URIs match exactly.
CREATE TABLE oauth_clients (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id      text NOT NULL UNIQUE CHECK (client_id ~ '^[A-Za-z0-9_-]{16,64}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    redirect_uris  text[] NOT NULL CHECK (cardinality(redirect_uris) BETWEEN 1 AND 10),
    created_by     bigint REFERENCES accounts ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz
);

-- Authorization codes: single use, short-lived, bound to the client, the
-- redirect URI and the PKCE challenge they were issued for.
CREATE TABLE oauth_codes (
    hash            bytea PRIMARY KEY CHECK (length(hash) = 32),
    client_id       bigint NOT NULL REFERENCES oauth_clients ON DELETE CASCADE,
    account_id      bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    redirect_uri    text NOT NULL,
    code_challenge  text NOT NULL CHECK (code_challenge ~ '^[A-Za-z0-9_-]{43}$'),
    scope           text NOT NULL DEFAULT '',
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX oauth_codes_expiry_idx ON oauth_codes (expires_at);

-- Refresh tokens, rotated on every use: the used one stays (used_at set)
-- so that presenting it again is recognised as theft and revokes its
-- whole family (every token descended from the same log-in).
CREATE TABLE refresh_tokens (
    hash        bytea PRIMARY KEY CHECK (length(hash) = 32),
    family      bytea NOT NULL CHECK (length(family) = 16),
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    client_id   bigint REFERENCES oauth_clients ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_account_idx ON refresh_tokens (account_id);

-- Keys of integrations: act as the admin who created them, within scopes.
CREATE TABLE api_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash          bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    -- The first characters of the key, to recognise it in the list.
    hint          text NOT NULL CHECK (length(hint) <= 16),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes        text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 20),
    created_by    bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
