-- The operators' affiliation programme keeps its payees' IBANs sealed, as
-- the tenants' programmes do (tenant migration 0023).
SET search_path = platform, pg_temp;
ALTER TABLE aff_affiliates ADD COLUMN iban_sealed bytea;
ALTER TABLE aff_payouts ADD COLUMN iban_sealed bytea;
RESET search_path;
