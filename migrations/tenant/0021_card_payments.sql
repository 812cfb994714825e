-- Card payments through Stripe, with the association's own account: its
-- keys (sealed by the application: these columns hold ciphertext only),
-- its members as Stripe customers with the card they saved, their consent
-- to renewals charged to it, each card payment's Stripe objects, and every
-- webhook event received (once: Stripe delivers at least once).

-- Either the association's own keys, or (Stripe Connect) its account
-- connected to the platform's, used with the platform's key.
CREATE TABLE stripe_settings (
    id                    boolean PRIMARY KEY DEFAULT true CHECK (id),
    secret_key_sealed     bytea,
    -- « sk_live_…a1b2 » or the connected account: enough to recognise it.
    key_hint              text NOT NULL CHECK (length(key_hint) <= 80),
    webhook_secret_sealed bytea,
    connected_account     text CHECK (connected_account ~ '^acct_[A-Za-z0-9]{1,60}$'),
    livemode              boolean NOT NULL,
    updated_by            bigint REFERENCES accounts (id),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((connected_account IS NULL) = (secret_key_sealed IS NOT NULL AND webhook_secret_sealed IS NOT NULL))
);

CREATE TABLE stripe_customers (
    account_id     bigint PRIMARY KEY REFERENCES accounts (id),
    customer_id    text NOT NULL UNIQUE CHECK (length(customer_id) <= 100),
    -- The card kept for charges the member agreed to.
    payment_method text CHECK (length(payment_method) <= 100),
    card_brand     text CHECK (length(card_brand) <= 30),
    card_last4     text CHECK (card_last4 ~ '^[0-9]{4}$'),
    card_expires   text CHECK (length(card_expires) <= 7),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- « I agree that … charges my card for each renewal of <plan> »: given
-- when paying by card, per plan (or for a recurring gift), withdrawable.
CREATE TABLE card_consents (
    id           bigserial PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id),
    plan_id      bigint REFERENCES plans (id),
    wording      text NOT NULL CHECK (length(wording) BETWEEN 1 AND 1000),
    granted_at   timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz
);
CREATE UNIQUE INDEX card_consents_live ON card_consents (account_id, plan_id)
    WHERE withdrawn_at IS NULL AND plan_id IS NOT NULL;

-- A gift repeated each month on the saved card until the donor stops it.
CREATE TABLE recurring_gifts (
    id            bigserial PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id),
    consent_id    bigint NOT NULL REFERENCES card_consents (id),
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    currency      text NOT NULL,
    project_id    bigint REFERENCES projects (id),
    next_on       date NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    ended_at      timestamptz
);

-- One payment taken by card: through a Checkout page (`checkout`, the
-- member present) or charged to the saved card (`renewal`, a gift's
-- month, the member away; not before `charge_after`).
CREATE TABLE card_charges (
    payment_id     bigint PRIMARY KEY REFERENCES payments (id),
    account_id     bigint NOT NULL REFERENCES accounts (id),
    kind           text NOT NULL CHECK (kind IN ('checkout', 'renewal')),
    session_id     text UNIQUE CHECK (length(session_id) <= 200),
    payment_intent text UNIQUE CHECK (length(payment_intent) <= 100),
    consent_id     bigint REFERENCES card_consents (id),
    gift_id        bigint REFERENCES recurring_gifts (id),
    charge_after   timestamptz,
    -- 2 and more: the same dues presented again after a decline.
    attempt        smallint NOT NULL DEFAULT 1 CHECK (attempt BETWEEN 1 AND 10),
    failure        text CHECK (length(failure) <= 300),
    disputed_at    timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_charges_due_idx ON card_charges (charge_after)
    WHERE kind = 'renewal' AND payment_intent IS NULL;

-- Every event Stripe sent to this association's endpoint, once.
CREATE TABLE stripe_events (
    id           text PRIMARY KEY CHECK (length(id) <= 100),
    kind         text NOT NULL CHECK (length(kind) <= 100),
    payload      jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    outcome      text CHECK (length(outcome) <= 300)
);
CREATE INDEX stripe_events_received_idx ON stripe_events (received_at DESC);

-- A gift may go to the association itself: an earmark without a project.
ALTER TABLE payment_earmarks ALTER COLUMN project_id DROP NOT NULL;
