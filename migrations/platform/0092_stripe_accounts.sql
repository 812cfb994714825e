-- Stripe Connect: which association a connected Stripe account belongs to.
-- Events of connected accounts reach the platform's one endpoint; the
-- account id in each event says whose schema it goes to.
CREATE TABLE platform.stripe_accounts (
    account_id text PRIMARY KEY CHECK (account_id ~ '^acct_[A-Za-z0-9]{1,60}$'),
    tenant_id  bigint NOT NULL UNIQUE REFERENCES platform.tenants (id) ON DELETE CASCADE,
    linked_at  timestamptz NOT NULL DEFAULT now()
);
