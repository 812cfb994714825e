-- Members' phone numbers and IBANs, and the pain.008 files that list
-- debtors' IBANs, sealed under the keyring of `[crypto]` (keys from
-- configuration, never the database), each bound to its clear column's
-- name. New values are written to the sealed columns only; the clear
-- columns keep what earlier releases wrote, still read, until the
-- `crypto.reseal` job seals it; a later release drops them.
ALTER TABLE accounts ADD COLUMN phone_sealed bytea;

ALTER TABLE sdd_mandates
    ADD COLUMN iban_sealed bytea,
    ADD COLUMN previous_iban_sealed bytea,
    ALTER COLUMN iban DROP NOT NULL,
    ADD CONSTRAINT sdd_mandates_iban_present CHECK (iban IS NOT NULL OR iban_sealed IS NOT NULL);

ALTER TABLE sdd_batches
    ADD COLUMN document_sealed bytea,
    ALTER COLUMN document DROP NOT NULL,
    ADD CONSTRAINT sdd_batches_document_present CHECK (document IS NOT NULL OR document_sealed IS NOT NULL);

-- The same two statements are in the platform's migration 0097, for the
-- operators' programme (its tables are these, in `platform`).
ALTER TABLE aff_affiliates ADD COLUMN iban_sealed bytea;
ALTER TABLE aff_payouts ADD COLUMN iban_sealed bytea;
