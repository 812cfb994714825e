-- « Download all my data »: one row per request, filled in by the job that
-- builds the archive (its stored file, size, digest), which a link mailed
-- to the person opens until it expires.
CREATE TABLE privacy_exports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    requested_at timestamptz NOT NULL DEFAULT now(),
    ready_at     timestamptz,
    storage_key  text,
    bytes        bigint CHECK (bytes >= 0),
    sha256       bytea CHECK (length(sha256) = 32),
    expires_at   timestamptz,
    CHECK (ready_at IS NULL OR (storage_key IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE INDEX privacy_exports_account_idx ON privacy_exports (account_id, requested_at DESC);
