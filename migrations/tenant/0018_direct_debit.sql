-- SEPA direct debit (Core): the association's creditor settings and its
-- members' mandates. Collections, the files sent to the bank and what it
-- reports back come with the next migrations.

-- One creditor per association: its own identifier (ICS), never the
-- platform's; the account credited; how early the bank wants files, and how
-- early members are told of each debit (the mandate text says the same).
CREATE TABLE sdd_settings (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    creditor_id   text NOT NULL CHECK (creditor_id ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{4,31}$'),
    creditor_name text NOT NULL CHECK (length(creditor_name) BETWEEN 1 AND 70),
    street        text NOT NULL DEFAULT '' CHECK (length(street) <= 70),
    building      text NOT NULL DEFAULT '' CHECK (length(building) <= 16),
    post_code     text NOT NULL DEFAULT '' CHECK (length(post_code) <= 16),
    town          text NOT NULL CHECK (length(town) BETWEEN 1 AND 35),
    country       text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    iban          text NOT NULL CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
    bic           text CHECK (bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
    lead_days     smallint NOT NULL DEFAULT 2 CHECK (lead_days BETWEEN 1 AND 10),
    notice_days   smallint NOT NULL DEFAULT 14 CHECK (notice_days BETWEEN 1 AND 14),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A member's authorisation to debit their account. The reference (RUM) is
-- unique in the association, which has one creditor identifier, so the
-- pair (ICS, RUM) is unique. A portal signature is confirmed by a code
-- mailed to the member (stored hashed); a paper one is a stored scan.
CREATE TABLE sdd_mandates (
    id                 bigserial PRIMARY KEY,
    account_id         bigint NOT NULL REFERENCES accounts (id),
    reference          text NOT NULL UNIQUE
                       CHECK (reference ~ '^[A-Za-z0-9?:().,''+-][A-Za-z0-9/?:().,''+ -]{0,33}[A-Za-z0-9?:().,''+-]$'
                              OR reference ~ '^[A-Za-z0-9?:().,''+-]$'),
    kind               text NOT NULL CHECK (kind IN ('recurrent', 'one_off')),
    status             text NOT NULL CHECK (status IN ('unsigned', 'active', 'cancelled', 'expired', 'used')),
    debtor_name        text NOT NULL CHECK (length(debtor_name) BETWEEN 1 AND 70),
    street             text NOT NULL DEFAULT '' CHECK (length(street) <= 70),
    building           text NOT NULL DEFAULT '' CHECK (length(building) <= 16),
    post_code          text NOT NULL DEFAULT '' CHECK (length(post_code) <= 16),
    town               text NOT NULL CHECK (length(town) BETWEEN 1 AND 35),
    country            text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    iban               text NOT NULL CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
    bic                text CHECK (bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
    locale             text NOT NULL CHECK (locale IN ('fr', 'en')),
    signed_on          date,
    signed_via         text CHECK (signed_via IN ('portal', 'paper')),
    signed_place       text NOT NULL DEFAULT '' CHECK (length(signed_place) <= 80),
    code_hash          bytea,
    code_expires_at    timestamptz,
    code_attempts      smallint NOT NULL DEFAULT 0,
    paper_key          text,
    last_collected_on  date,
    previous_reference text,
    previous_iban      text,
    amended_at         timestamptz,
    amendment_pending  boolean NOT NULL DEFAULT false,
    ended_at           timestamptz,
    end_reason         text CHECK (length(end_reason) <= 200),
    created_by         bigint REFERENCES accounts (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- Signed once active, used or expired; never while unsigned; a
    -- cancelled one may have been either.
    CHECK (status <> 'unsigned' OR signed_on IS NULL),
    CHECK (status NOT IN ('active', 'used', 'expired') OR signed_on IS NOT NULL),
    CHECK (signed_via <> 'paper' OR paper_key IS NOT NULL)
);
CREATE INDEX sdd_mandates_account_idx ON sdd_mandates (account_id, created_at DESC);
CREATE INDEX sdd_mandates_active_idx ON sdd_mandates (last_collected_on) WHERE status = 'active';
