-- Operators' TOTP secrets sealed under the keyring of `[crypto]` (keys from
-- configuration, never the database), bound to the column
-- `platform.operators.totp_secret`. New secrets are written here only; the
-- clear column keeps those of earlier releases, still read, until they are
-- sealed; a later release drops it. An enabled second factor needs a secret
-- in either column.
ALTER TABLE platform.operators ADD COLUMN totp_secret_sealed bytea;
ALTER TABLE platform.operators DROP CONSTRAINT operators_check1;
ALTER TABLE platform.operators ADD CONSTRAINT operators_totp_secret_check
    CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL OR totp_secret_sealed IS NOT NULL);
