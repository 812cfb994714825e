-- Contributions (« cotisations »): the association's settings for them,
-- plans and their price tiers, households, memberships (member × plan ×
-- period) and their instalments, payments and what they pay, the members'
-- append-only ledger, receipts with their gapless yearly numbers,
-- idempotency keys of the API and the reminders already sent.
--
-- Money is always an integer count of minor units (cents) beside an ISO
-- 4217 currency code; a price copied into a membership is never changed by
-- a later change of the plan.

-- One row: how this association runs its contributions.
CREATE TABLE contribution_settings (
    singleton            boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    currency             text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    -- First month of the season (9 = September) for season-based plans.
    season_start_month   smallint NOT NULL DEFAULT 9 CHECK (season_start_month BETWEEN 1 AND 12),
    -- Renewal reminders, in days before (positive) and after (negative)
    -- the end of a period.
    reminder_days        integer[] NOT NULL DEFAULT '{30,7,-7,-30}'
                         CHECK (cardinality(reminder_days) <= 8),
    weekly_digest        boolean NOT NULL DEFAULT true,
    -- Shown to members who pay by bank transfer.
    bank_account_holder  text CHECK (length(bank_account_holder) <= 140),
    iban                 text CHECK (iban ~ '^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$'),
    bic                  text CHECK (bic ~ '^[A-Z0-9]{8}([A-Z0-9]{3})?$'),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
INSERT INTO contribution_settings DEFAULT VALUES;

CREATE TABLE plans (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description        text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    period             text NOT NULL
                       CHECK (period IN ('yearly', 'half_yearly', 'quarterly', 'monthly', 'one_off', 'lifetime')),
    -- Where periods start: on the season (settings) or on the join date.
    anchor             text NOT NULL DEFAULT 'season' CHECK (anchor IN ('season', 'anniversary')),
    currency           text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    -- Free-amount plans ("prix libre"): no tiers, a minimum and a suggestion.
    free_amount        boolean NOT NULL DEFAULT false,
    minimum_minor      bigint CHECK (minimum_minor >= 0),
    suggested_minor    bigint CHECK (suggested_minor >= 0),
    -- Joining mid-period: pay it all, or only the months/quarters left.
    pro_rata           text NOT NULL DEFAULT 'none' CHECK (pro_rata IN ('none', 'monthly', 'quarterly')),
    -- Moving up from a cheaper plan credits what was paid for the period.
    upgrade_credit     boolean NOT NULL DEFAULT true,
    -- 1 = paid at once; N = may be paid in N instalments.
    max_instalments    smallint NOT NULL DEFAULT 1 CHECK (max_instalments BETWEEN 1 AND 12),
    -- Households: each member pays a tier, or the household pays one price;
    -- either way at most household_cap_minor per period when set.
    household_pricing  text NOT NULL DEFAULT 'per_member'
                       CHECK (household_pricing IN ('per_member', 'per_household')),
    household_cap_minor bigint CHECK (household_cap_minor > 0),
    public             boolean NOT NULL DEFAULT true,
    open               boolean NOT NULL DEFAULT true,
    member_cap         integer CHECK (member_cap > 0),
    -- Used by tax receipts: whether the plan opens a right to one, and for
    -- which share of the amount (in percent).
    tax_receipt        boolean NOT NULL DEFAULT false,
    tax_receipt_percent smallint NOT NULL DEFAULT 100 CHECK (tax_receipt_percent BETWEEN 0 AND 100),
    position           integer NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    archived_at        timestamptz,
    CHECK (free_amount OR (minimum_minor IS NULL AND suggested_minor IS NULL)),
    CHECK (suggested_minor IS NULL OR minimum_minor IS NULL OR suggested_minor >= minimum_minor)
);

-- Prices of a fixed-amount plan: standard, reduced, family, supporter …
CREATE TABLE plan_tiers (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id       bigint NOT NULL REFERENCES plans ON DELETE CASCADE,
    code          text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_-]{0,31}$'),
    label         text NOT NULL CHECK (length(label) BETWEEN 1 AND 80),
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    position      integer NOT NULL DEFAULT 0,
    archived_at   timestamptz,
    UNIQUE (plan_id, code)
);

-- One payer, several members; a person may belong to several households.
CREATE TABLE households (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    payer_id    bigint NOT NULL REFERENCES accounts,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_payer_idx ON households (payer_id);

CREATE TABLE household_members (
    household_id  bigint NOT NULL REFERENCES households ON DELETE CASCADE,
    account_id    bigint NOT NULL REFERENCES accounts,
    added_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (household_id, account_id)
);
CREATE INDEX household_members_account_idx ON household_members (account_id);

-- Member × plan × period. The price is copied here when the period is
-- created; renewals chain periods through previous_id.
CREATE TABLE memberships (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       bigint NOT NULL REFERENCES accounts,
    plan_id          bigint NOT NULL REFERENCES plans,
    tier_id          bigint REFERENCES plan_tiers,
    household_id     bigint REFERENCES households,
    -- Who pays (the household's payer, or the member).
    payer_id         bigint NOT NULL REFERENCES accounts,
    starts_on        date NOT NULL,
    -- NULL: lifetime.
    ends_on          date CHECK (ends_on IS NULL OR ends_on >= starts_on),
    amount_minor     bigint NOT NULL CHECK (amount_minor >= 0),
    -- Carried from the cheaper membership this one upgraded.
    credit_minor     bigint NOT NULL DEFAULT 0 CHECK (credit_minor >= 0 AND credit_minor <= amount_minor),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    instalments      smallint NOT NULL DEFAULT 1 CHECK (instalments BETWEEN 1 AND 12),
    previous_id      bigint REFERENCES memberships,
    -- Staff may force a status, with a reason.
    status_override  text CHECK (status_override IN ('pending', 'new', 'current', 'grace', 'expired', 'cancelled')),
    override_reason  text CHECK (length(override_reason) <= 500),
    overridden_by    bigint REFERENCES accounts,
    cancelled_at     timestamptz,
    cancel_reason    text CHECK (length(cancel_reason) <= 300),
    created_by       bigint REFERENCES accounts,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((status_override IS NULL) = (override_reason IS NULL))
);
CREATE INDEX memberships_account_idx ON memberships (account_id, starts_on DESC);
CREATE INDEX memberships_payer_idx ON memberships (payer_id);
CREATE INDEX memberships_ends_idx ON memberships (ends_on) WHERE cancelled_at IS NULL;
CREATE INDEX memberships_plan_idx ON memberships (plan_id, starts_on);
-- A renewal continues one period only once.
CREATE UNIQUE INDEX memberships_previous_key ON memberships (previous_id) WHERE cancelled_at IS NULL;

-- The parts of a membership paid in several instalments.
CREATE TABLE membership_instalments (
    membership_id  bigint NOT NULL REFERENCES memberships ON DELETE CASCADE,
    number         smallint NOT NULL CHECK (number BETWEEN 1 AND 12),
    due_on         date NOT NULL,
    amount_minor   bigint NOT NULL CHECK (amount_minor >= 0),
    PRIMARY KEY (membership_id, number)
);

-- How statuses follow from dates (CiviCRM style), first matching rule
-- wins; offsets are in days from the event. The tenant may edit them.
CREATE TABLE membership_status_rules (
    position     integer PRIMARY KEY,
    status       text NOT NULL CHECK (status IN ('new', 'current', 'grace', 'expired')),
    from_event   text NOT NULL CHECK (from_event IN ('join', 'start', 'end')),
    from_days    integer NOT NULL DEFAULT 0,
    -- NULL: no upper bound.
    to_event     text CHECK (to_event IN ('join', 'start', 'end')),
    to_days      integer,
    CHECK ((to_event IS NULL) = (to_days IS NULL))
);
INSERT INTO membership_status_rules (position, status, from_event, from_days, to_event, to_days) VALUES
    (1, 'new',     'join',  0, 'join', 90),
    (2, 'current', 'start', 0, 'end',  0),
    (3, 'grace',   'end',   1, 'end',  30),
    (4, 'expired', 'end',  31, NULL, NULL);

CREATE TABLE payments (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payer_id            bigint NOT NULL REFERENCES accounts,
    amount_minor        bigint NOT NULL CHECK (amount_minor > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    method              text NOT NULL CHECK (method IN ('cash', 'cheque', 'transfer', 'card', 'other', 'online')),
    status              text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
    -- Refunds, full or partial (status stays 'paid' until all is refunded).
    refunded_minor      bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
    cheque_number       text CHECK (length(cheque_number) <= 40),
    cheque_bank         text CHECK (length(cheque_bank) <= 80),
    -- The structured reference the member writes on a transfer.
    reference           text CHECK (length(reference) <= 35),
    -- Online providers (a later issue): their name and their id.
    provider            text CHECK (length(provider) <= 40),
    provider_ref        text CHECK (length(provider_ref) <= 200),
    received_on         date NOT NULL DEFAULT current_date,
    note                text CHECK (length(note) <= 1000),
    recorded_by         bigint REFERENCES accounts,
    created_at          timestamptz NOT NULL DEFAULT now(),
    paid_at             timestamptz,
    CHECK ((method = 'cheque') OR (cheque_number IS NULL AND cheque_bank IS NULL))
);
-- The API's list: newest first, keyset pagination on (created_at, id).
CREATE INDEX payments_newest_idx ON payments (created_at DESC, id DESC);
CREATE INDEX payments_payer_idx ON payments (payer_id, created_at DESC);
CREATE INDEX payments_received_idx ON payments (received_on);
CREATE INDEX payments_reference_idx ON payments (reference) WHERE reference IS NOT NULL;
CREATE UNIQUE INDEX payments_provider_key ON payments (provider, provider_ref) WHERE provider_ref IS NOT NULL;

-- What a payment pays: a membership, or one of its instalments.
CREATE TABLE payment_allocations (
    payment_id     bigint NOT NULL REFERENCES payments,
    membership_id  bigint NOT NULL REFERENCES memberships,
    instalment     smallint,
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    PRIMARY KEY (payment_id, membership_id)
);
CREATE INDEX payment_allocations_membership_idx ON payment_allocations (membership_id);

-- Each member's account with the association, append-only: a charge is
-- positive (owed), a payment or credit negative; a refund or a
-- correction is a new reversing line, never an edit.
CREATE TABLE ledger_entries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES accounts,
    kind           text NOT NULL CHECK (kind IN ('charge', 'payment', 'refund', 'credit', 'reversal')),
    amount_minor   bigint NOT NULL CHECK (amount_minor <> 0),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    membership_id  bigint REFERENCES memberships,
    payment_id     bigint REFERENCES payments,
    memo           text NOT NULL DEFAULT '' CHECK (length(memo) <= 300),
    recorded_by    bigint REFERENCES accounts,
    at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, at);

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only' USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

-- The last receipt number of each year: taken with the row locked, in the
-- transaction that issues the receipt, so a rollback gives the number back.
CREATE TABLE receipt_counters (
    year         integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 9999),
    last_number  integer NOT NULL CHECK (last_number >= 0)
);

-- Receipts are never deleted nor renumbered: a wrong one is cancelled and
-- a new one issued.
CREATE TABLE receipts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    year           integer NOT NULL,
    number         integer NOT NULL CHECK (number > 0),
    payment_id     bigint NOT NULL REFERENCES payments,
    account_id     bigint NOT NULL REFERENCES accounts,
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    issued_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at   timestamptz,
    cancel_reason  text CHECK (length(cancel_reason) <= 300),
    replaces_id    bigint REFERENCES receipts,
    -- The stored PDF, written once: its key and SHA-256.
    storage_key    text,
    sha256         bytea CHECK (length(sha256) = 32),
    -- Once cancelled, a copy with the watermark (the original stays).
    void_storage_key  text,
    void_sha256       bytea CHECK (length(void_sha256) = 32),
    UNIQUE (year, number)
);
CREATE UNIQUE INDEX receipts_live_payment_key ON receipts (payment_id) WHERE cancelled_at IS NULL;
CREATE INDEX receipts_account_idx ON receipts (account_id, issued_at DESC);

-- `Idempotency-Key` of requests that create money: the same key from the
-- same caller gives back the first answer.
CREATE TABLE idempotency_keys (
    caller        text NOT NULL CHECK (length(caller) <= 80),
    key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  bytea NOT NULL CHECK (length(request_hash) = 32),
    status        smallint NOT NULL,
    response      jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);

-- Reminders already queued: one per membership and offset, ever.
CREATE TABLE reminders_sent (
    membership_id  bigint NOT NULL REFERENCES memberships,
    offset_days    integer NOT NULL,
    sent_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (membership_id, offset_days)
);

-- Optional mails a person asked not to get.
CREATE TABLE mail_opt_outs (
    account_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    topic       text NOT NULL CHECK (topic IN ('renewal_reminders', 'treasurer_digest')),
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, topic)
);
