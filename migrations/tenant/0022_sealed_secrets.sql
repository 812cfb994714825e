-- The TOTP secret of members' and staff's second factor, sealed under the
-- keyring of `[crypto]` (keys from configuration, never the database), bound
-- to the column `accounts.totp_secret`. New secrets are written here only;
-- the clear column keeps those written by earlier releases, which are still
-- read, until they are sealed; a later release drops it.
ALTER TABLE accounts ADD COLUMN totp_secret_sealed bytea;
