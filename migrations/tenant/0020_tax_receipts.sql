-- Tax receipts (« reçus fiscaux », form 2041-RD, Cerfa 11580*05): off
-- until an administrator declares what makes the association eligible.

-- The declaration: the organisation's type, the CGI articles its gifts
-- fall under, its object, its SIREN or RNA number, the address printed,
-- and who signs.
CREATE TABLE tax_receipt_settings (
    singleton          boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    enabled            boolean NOT NULL DEFAULT false,
    organisation_type  text NOT NULL CHECK (organisation_type IN (
        'association_1901', 'recognised_public_utility', 'foundation', 'endowment_fund',
        'help_in_difficulty', 'alsace_moselle_worship', 'other')),
    organisation_other text NOT NULL DEFAULT '' CHECK (length(organisation_other) <= 200),
    article_200        boolean NOT NULL DEFAULT true,
    article_978        boolean NOT NULL DEFAULT false,
    object             text NOT NULL CHECK (length(object) BETWEEN 1 AND 500),
    identifier         text NOT NULL CHECK (identifier ~ '^([0-9]{9}|W[0-9A-Z][0-9]{8})$'),
    street             text NOT NULL CHECK (length(street) BETWEEN 1 AND 120),
    post_code          text NOT NULL CHECK (length(post_code) BETWEEN 1 AND 16),
    town               text NOT NULL CHECK (length(town) BETWEEN 1 AND 80),
    signatory_name     text NOT NULL CHECK (length(signatory_name) BETWEEN 1 AND 120),
    signatory_title    text NOT NULL CHECK (length(signatory_title) BETWEEN 1 AND 80),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (article_200 OR article_978)
);

-- The ceiling of « low-value » counterparts a donor may receive in a year
-- without losing the reduction, as dated configuration: it is revalued
-- every five years (73 € since 2021).
CREATE TABLE tax_receipt_caps (
    valid_from  date PRIMARY KEY,
    cap_minor   bigint NOT NULL CHECK (cap_minor > 0),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200)
);
INSERT INTO tax_receipt_caps (valid_from, cap_minor, note)
VALUES ('2021-01-01', 7300, 'BOI-IR-RICI-250-20: 73 € since 1 January 2021');

-- Gapless order numbers per year of issue.
CREATE TABLE tax_receipt_counters (
    year        integer PRIMARY KEY,
    last_number integer NOT NULL CHECK (last_number > 0)
);

-- One receipt: for one gift, or the year's gifts of one donor (« cumul »).
-- Never deleted nor renumbered: a wrong one is cancelled and another
-- issued. The donor's name and address are copied as printed.
CREATE TABLE tax_receipts (
    id            bigserial PRIMARY KEY,
    year          integer NOT NULL,
    number        integer NOT NULL CHECK (number > 0),
    kind          text NOT NULL CHECK (kind IN ('gift', 'yearly')),
    tax_year      integer NOT NULL,
    account_id    bigint NOT NULL REFERENCES accounts (id),
    donor_name    text NOT NULL,
    donor_address text NOT NULL DEFAULT '',
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    first_on      date NOT NULL,
    last_on       date NOT NULL CHECK (last_on >= first_on),
    methods       text[] NOT NULL,
    issued_by     bigint REFERENCES accounts (id),
    issued_at     timestamptz NOT NULL DEFAULT now(),
    cancelled_at  timestamptz,
    cancel_reason text CHECK (length(cancel_reason) <= 300),
    replaces_id   bigint REFERENCES tax_receipts (id),
    storage_key   text,
    sha256        bytea CHECK (length(sha256) = 32),
    UNIQUE (year, number)
);
CREATE INDEX tax_receipts_account_idx ON tax_receipts (account_id, tax_year);
CREATE INDEX tax_receipts_tax_year_idx ON tax_receipts (tax_year) WHERE cancelled_at IS NULL;

-- The payments a receipt covers, with the part of each that qualifies. A
-- payment is covered by one live receipt at most.
CREATE TABLE tax_receipt_lines (
    receipt_id   bigint NOT NULL REFERENCES tax_receipts (id),
    payment_id   bigint NOT NULL REFERENCES payments (id),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    live         boolean NOT NULL DEFAULT true,
    PRIMARY KEY (receipt_id, payment_id)
);
CREATE UNIQUE INDEX tax_receipt_lines_live_key ON tax_receipt_lines (payment_id) WHERE live;
