-- The platform's own referral programme: whoever brings a new
-- association earns what the operators' programme says, from that
-- association's platform fees (or a fee credit). The same tables as an
-- association's programmes (migrations/tenant/0014_affiliation.sql, copied
-- verbatim below and checked by a test), in schema `platform`: one engine,
-- separate books. Here a party is a tenant (the partner association, the
-- association referred), never a tenant's member.
SET search_path = platform, pg_temp;

-- Affiliation: an association's referral programmes, their affiliates'
-- links and coupons, the clicks and referrals they bring, the rules that
-- reward them, the append-only commission ledger, fraud reviews and payouts.
-- The platform's own programme has the same tables in schema `platform`
-- (migrations/platform/0080_affiliation.sql): one engine, separate books.

CREATE TABLE aff_programs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    active           boolean NOT NULL DEFAULT true,
    -- Members may become affiliates by themselves (else staff invite them).
    open_enrolment   boolean NOT NULL DEFAULT true,
    attribution      text NOT NULL DEFAULT 'last_click' CHECK (attribution IN ('first_click', 'last_click')),
    cookie_days      integer NOT NULL DEFAULT 30 CHECK (cookie_days BETWEEN 1 AND 365),
    -- Matches the refund policy: a commission is due this long after its sale.
    holding_days     integer NOT NULL DEFAULT 30 CHECK (holding_days BETWEEN 0 AND 365),
    min_payout_minor bigint NOT NULL DEFAULT 0 CHECK (min_payout_minor >= 0),
    currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- A fraud review left undecided this long releases its hold.
    review_days      integer NOT NULL DEFAULT 14 CHECK (review_days BETWEEN 1 AND 90),
    -- Who receives the « donation in the referrer's name » rewards.
    donation_payee   text CHECK (length(donation_payee) <= 70),
    donation_iban    text CHECK (length(donation_iban) <= 34),
    -- The account payouts leave from (the debtor of the transfer file).
    bank_name        text CHECK (length(bank_name) <= 70),
    bank_iban        text CHECK (length(bank_iban) <= 34),
    bank_bic         text CHECK (length(bank_bic) <= 11),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE aff_groups (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    UNIQUE (program_id, name)
);

CREATE TABLE aff_affiliates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id  bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    -- The owner's party: an account of the association (here), a partner
    -- association or nobody (a person) on the platform.
    party_id    bigint,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    email       text NOT NULL CHECK (length(email) <= 254),
    -- Plus-addressing and dots removed: what self-referral checks compare.
    email_norm  text NOT NULL,
    group_id    bigint REFERENCES aff_groups ON DELETE SET NULL,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'banned')),
    ban_reason  text CHECK (length(ban_reason) <= 300),
    payee_name  text CHECK (length(payee_name) <= 70),
    iban        text CHECK (length(iban) <= 34),
    bic         text CHECK (length(bic) <= 11),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (program_id, party_id)
);
CREATE INDEX aff_affiliates_email_norm_idx ON aff_affiliates (email_norm);

-- A referral link (`/r/<code>`, `?ref=<code>`) or a coupon code typed at
-- sign-up. Codes are unique across the owner's programmes, compared in
-- lower case.
CREATE TABLE aff_links (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    affiliate_id bigint NOT NULL REFERENCES aff_affiliates ON DELETE CASCADE,
    code         text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{2,39}$'),
    kind         text NOT NULL DEFAULT 'link' CHECK (kind IN ('link', 'coupon')),
    campaign     text CHECK (length(campaign) <= 60),
    -- Where the short link lands, a path of the portal.
    destination  text NOT NULL DEFAULT '/' CHECK (destination ~ '^/[^/\\]' OR destination = '/'),
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aff_links_affiliate_idx ON aff_links (affiliate_id);

-- Clicks arrive in batches from the server's click buffer; `id` is chosen
-- by the server at the click, so the visitor's cookie can name it.
CREATE TABLE aff_clicks (
    id         uuid PRIMARY KEY,
    link_id    bigint NOT NULL REFERENCES aff_links ON DELETE CASCADE,
    at         timestamptz NOT NULL,
    ip         inet,
    -- A hash of the user agent and accepted languages: « the same device ».
    device     bytea,
    referer    text CHECK (length(referer) <= 255)
);
CREATE INDEX aff_clicks_link_idx ON aff_clicks (link_id, at);

-- A referred party bound to its affiliate for life (across devices): an
-- account of the association, or a tenant on the platform.
CREATE TABLE aff_referrals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id   bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    affiliate_id bigint NOT NULL REFERENCES aff_affiliates ON DELETE CASCADE,
    link_id      bigint REFERENCES aff_links ON DELETE SET NULL,
    click_id     uuid,
    party_id     bigint NOT NULL,
    name         text NOT NULL DEFAULT '' CHECK (length(name) <= 120),
    email_norm   text NOT NULL,
    via          text NOT NULL CHECK (via IN ('link', 'coupon', 'manual')),
    campaign     text,
    ip           inet,
    device       bytea,
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'review', 'rejected')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (program_id, party_id)
);
CREATE INDEX aff_referrals_affiliate_idx ON aff_referrals (affiliate_id, created_at);
CREATE INDEX aff_referrals_party_idx ON aff_referrals (party_id);

-- Reward rules as data. The most specific rule of a stage and side wins:
-- an affiliate's, then its group's, then the programme's.
CREATE TABLE aff_rules (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id         bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    group_id           bigint REFERENCES aff_groups ON DELETE CASCADE,
    affiliate_id       bigint REFERENCES aff_affiliates ON DELETE CASCADE,
    stage              text NOT NULL CHECK (stage IN ('lead', 'sale')),
    side               text NOT NULL DEFAULT 'referrer' CHECK (side IN ('referrer', 'referred')),
    reward             text NOT NULL CHECK (reward IN ('percent', 'flat', 'credit', 'free_days', 'donation')),
    -- percent: basis points of the payment (10000 = 100 %).
    basis_points       integer CHECK (basis_points BETWEEN 0 AND 10000),
    amount_minor       bigint CHECK (amount_minor >= 0),
    days               integer CHECK (days BETWEEN 1 AND 3660),
    -- First N sales at another rate (« 40 % for 3 payments, then 20 % »).
    intro_count        integer CHECK (intro_count BETWEEN 1 AND 1000),
    intro_basis_points integer CHECK (intro_basis_points BETWEEN 0 AND 10000),
    intro_amount_minor bigint CHECK (intro_amount_minor >= 0),
    -- NULL: every sale for ever; 1: the first only; N: the first N.
    max_sales          integer CHECK (max_sales BETWEEN 1 AND 1000),
    -- At most this much in total per referral.
    cap_minor          bigint CHECK (cap_minor > 0),
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (group_id IS NULL OR affiliate_id IS NULL),
    CHECK ((reward = 'percent') = (basis_points IS NOT NULL)),
    CHECK ((reward IN ('flat', 'credit', 'donation')) = (amount_minor IS NOT NULL)),
    CHECK ((reward = 'free_days') = (days IS NOT NULL))
);
CREATE INDEX aff_rules_program_idx ON aff_rules (program_id, stage);

-- Fraud checks as data; each sends a referral to review, never blocks it.
CREATE TABLE aff_fraud_rules (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id   bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    check_kind   text NOT NULL CHECK (check_kind IN ('same_email', 'same_ip', 'same_device', 'same_payment_reference', 'email_domain')),
    window_hours integer NOT NULL DEFAULT 720 CHECK (window_hours BETWEEN 1 AND 8760),
    -- email_domain: the domain it flags.
    value        text CHECK (length(value) <= 253),
    active       boolean NOT NULL DEFAULT true,
    UNIQUE NULLS NOT DISTINCT (program_id, check_kind, value)
);

CREATE TABLE aff_reviews (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id  bigint NOT NULL UNIQUE REFERENCES aff_referrals ON DELETE CASCADE,
    reasons      text[] NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'approved', 'rejected', 'released')),
    -- Undecided at this time, the hold releases by itself.
    hold_until   timestamptz NOT NULL,
    decided_at   timestamptz,
    decided_by   bigint,
    note         text CHECK (length(note) <= 500),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aff_reviews_open_idx ON aff_reviews (hold_until) WHERE status = 'open';

CREATE TABLE aff_payout_batches (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id     bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    message_id     text NOT NULL UNIQUE,
    execution_date date NOT NULL,
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid')),
    bank_reference text CHECK (length(bank_reference) <= 140),
    created_by     bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    paid_at        timestamptz
);

CREATE TABLE aff_payouts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id   bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    -- NULL: the donations of a batch, paid to the programme's payee.
    affiliate_id bigint REFERENCES aff_affiliates ON DELETE RESTRICT,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     text NOT NULL,
    status       text NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'batched', 'paid', 'cancelled')),
    batch_id     bigint REFERENCES aff_payout_batches ON DELETE SET NULL,
    payee_name   text,
    iban         text,
    bic          text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    paid_at      timestamptz
);
CREATE UNIQUE INDEX aff_payouts_one_open_idx ON aff_payouts (affiliate_id)
    WHERE status IN ('requested', 'batched');

-- The commission ledger. Amounts, parties and sources never change (a
-- trigger refuses it): a refund is a new, negative line. Only the status
-- moves forward: pending → due → paid, or held (in review) → pending, or
-- void (rejected in review, or an unfulfilled reward taken back).
CREATE TABLE aff_lines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    program_id   bigint NOT NULL REFERENCES aff_programs ON DELETE CASCADE,
    affiliate_id bigint NOT NULL REFERENCES aff_affiliates ON DELETE RESTRICT,
    referral_id  bigint REFERENCES aff_referrals ON DELETE RESTRICT,
    -- The payment it comes from (the owner's: a payment here, a platform
    -- fee on the platform); NULL for a lead or a manual adjustment.
    payment_id   bigint,
    rule_id      bigint REFERENCES aff_rules ON DELETE SET NULL,
    stage        text NOT NULL CHECK (stage IN ('lead', 'sale', 'reversal', 'adjustment')),
    side         text NOT NULL CHECK (side IN ('referrer', 'referred')),
    reward       text NOT NULL CHECK (reward IN ('cash', 'credit', 'free_days', 'donation')),
    amount_minor bigint NOT NULL,
    days         integer NOT NULL DEFAULT 0,
    currency     text NOT NULL,
    memo         text NOT NULL DEFAULT '' CHECK (length(memo) <= 200),
    status       text NOT NULL CHECK (status IN ('held', 'pending', 'due', 'paid', 'void')),
    due_at       timestamptz NOT NULL,
    payout_id    bigint REFERENCES aff_payouts ON DELETE SET NULL,
    fulfilled_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aff_lines_affiliate_idx ON aff_lines (affiliate_id, status);
CREATE INDEX aff_lines_payment_idx ON aff_lines (payment_id) WHERE payment_id IS NOT NULL;
CREATE INDEX aff_lines_maturing_idx ON aff_lines (due_at) WHERE status = 'pending';
-- One lead reward per referral, side and rule.
CREATE UNIQUE INDEX aff_lines_one_lead_idx ON aff_lines (referral_id, side, rule_id) WHERE stage = 'lead';

CREATE FUNCTION aff_lines_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'aff_lines is append-only';
    END IF;
    IF (NEW.program_id, NEW.affiliate_id, NEW.referral_id, NEW.payment_id, NEW.stage, NEW.side,
        NEW.reward, NEW.amount_minor, NEW.days, NEW.currency, NEW.created_at)
       IS DISTINCT FROM
       (OLD.program_id, OLD.affiliate_id, OLD.referral_id, OLD.payment_id, OLD.stage, OLD.side,
        OLD.reward, OLD.amount_minor, OLD.days, OLD.currency, OLD.created_at) THEN
        RAISE EXCEPTION 'aff_lines amounts and sources never change; append a line';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER aff_lines_append_only BEFORE UPDATE OR DELETE ON aff_lines
    FOR EACH ROW EXECUTE FUNCTION aff_lines_append_only();
-- One sale reward per payment and side: retried notifications of the same
-- payment never pay twice.
CREATE UNIQUE INDEX aff_lines_one_sale_idx ON aff_lines (payment_id, side) WHERE stage = 'sale';

-- Where and from what an affiliate was last seen (its own pages), for the
-- same-IP and same-device checks.
CREATE TABLE aff_sightings (
    affiliate_id bigint NOT NULL REFERENCES aff_affiliates ON DELETE CASCADE,
    ip           inet NOT NULL,
    device       bytea NOT NULL,
    seen_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (affiliate_id, ip, device)
);

-- What the platform charges an association (its fees), as operators record
-- them: the sales of the platform programme.
CREATE TABLE fee_charges (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      bigint NOT NULL REFERENCES tenants ON DELETE CASCADE,
    label          text NOT NULL CHECK (length(label) BETWEEN 1 AND 120),
    amount_minor   bigint NOT NULL CHECK (amount_minor > 0),
    -- Paid with a fee credit (a referral reward), the rest in money.
    credit_minor   bigint NOT NULL DEFAULT 0 CHECK (credit_minor >= 0 AND credit_minor <= amount_minor),
    refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_by     bigint,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fee_charges_tenant_idx ON fee_charges (tenant_id, created_at);

-- Fee credits: rewards in kind of the platform programme (positive) and
-- their use against charges (negative). The balance is the sum.
CREATE TABLE fee_credits (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    bigint NOT NULL REFERENCES tenants ON DELETE CASCADE,
    amount_minor bigint NOT NULL,
    currency     text NOT NULL,
    memo         text NOT NULL,
    charge_id    bigint REFERENCES fee_charges ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fee_credits_tenant_idx ON fee_credits (tenant_id);

-- A sign-up remembers the referral that brought it until its tenant exists.
ALTER TABLE signups ADD COLUMN referral jsonb;

RESET search_path;
