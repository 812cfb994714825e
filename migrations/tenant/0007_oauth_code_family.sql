-- The refresh-token family an authorization code was exchanged for: when
-- the spent code is presented again (RFC 6749 §4.1.2), the tokens issued
-- from it are revoked, since someone else may hold the code.

ALTER TABLE oauth_codes ADD COLUMN family bytea CHECK (length(family) = 16);
