-- People of a tenant (members and staff), their browser sessions, the
-- one-time links mailed to them, their 2FA recovery codes, the tenant's
-- sign-up policy and the audit log of security-relevant changes.
--
-- Secrets are never stored in clear: session ids, one-time tokens and
-- recovery codes are kept as SHA-256 digests (they are long random values,
-- so a fast hash is enough); passwords as argon2id PHC strings.

CREATE TABLE accounts (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Domain lowercased by the application; unique whatever the case.
    email              text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    display_name       text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 120),
    phone              text CHECK (length(phone) <= 40),
    street             text CHECK (length(street) <= 200),
    postal_code        text CHECK (length(postal_code) <= 20),
    town               text CHECK (length(town) <= 100),
    -- ISO 3166-1 alpha-2.
    country            text CHECK (country ~ '^[A-Z]{2}$'),
    locale             text CHECK (locale IN ('fr', 'en')),
    role               text NOT NULL DEFAULT 'member'
                       CHECK (role IN ('member', 'editor', 'treasurer', 'admin')),
    -- pending: signed up, awaiting staff approval; invited: has not yet
    -- accepted the invitation (no password).
    status             text NOT NULL DEFAULT 'active'
                       CHECK (status IN ('pending', 'invited', 'active', 'deactivated')),
    password_hash      text,
    email_verified_at  timestamptz,
    totp_secret        text,
    totp_enabled_at    timestamptz,
    -- The last TOTP time step accepted: a code is never accepted twice.
    totp_last_step     bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX accounts_email_key ON accounts (lower(email));
CREATE INDEX accounts_role_status_idx ON accounts (role, status);

-- Browser sessions. `stage` is 'mfa' between a correct password and the
-- second factor: such a session opens nothing but the 2FA step.
CREATE TABLE sessions (
    id_hash       bytea PRIMARY KEY CHECK (length(id_hash) = 32),
    account_id    bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    -- A snapshot: a role change revokes the account's sessions.
    role          text NOT NULL,
    stage         text NOT NULL DEFAULT 'full' CHECK (stage IN ('mfa', 'full')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    user_agent    text CHECK (length(user_agent) <= 300),
    ip            inet
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

-- Links mailed to a person: verify an address, reset a password, accept an
-- invitation, confirm a new address. Used once, then kept for the record.
CREATE TABLE account_tokens (
    hash        bytea PRIMARY KEY CHECK (length(hash) = 32),
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    purpose     text NOT NULL CHECK (purpose IN ('verify', 'reset', 'invite', 'email_change')),
    new_email   text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);
CREATE INDEX account_tokens_account_idx ON account_tokens (account_id, purpose);

CREATE TABLE recovery_codes (
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    used_at     timestamptz,
    PRIMARY KEY (account_id, hash)
);

-- One row: how people join this association.
CREATE TABLE account_settings (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    signup_policy  text NOT NULL DEFAULT 'open'
                   CHECK (signup_policy IN ('open', 'approval', 'invitation'))
);
INSERT INTO account_settings DEFAULT VALUES;

-- Who did what, written in the same transaction as the change itself.
-- No foreign keys: the record outlives the accounts it names.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint,
    subject_id  bigint,
    action      text NOT NULL CHECK (action ~ '^[a-z0-9_.]{1,60}$'),
    ip          inet,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_id, at DESC);
