-- Reporting: what the treasurer's exports are configured with.

-- Reports mailed on a schedule (e.g. the monthly journal to the
-- treasurer): the period is the last whole week or month before each run.
CREATE TABLE report_schedules (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report        text NOT NULL CHECK (report IN ('members', 'payments', 'arrears', 'renewals',
                                                  'receipts', 'commissions', 'journal', 'fec')),
    format        text NOT NULL CHECK (format IN ('csv', 'xlsx', 'pdf')),
    frequency     text NOT NULL CHECK (frequency IN ('weekly', 'monthly')),
    plan_id       bigint REFERENCES plans ON DELETE CASCADE,
    method        text CHECK (length(method) <= 20),
    status        text CHECK (length(status) <= 20),
    recipient_id  bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    created_by    bigint REFERENCES accounts ON DELETE SET NULL,
    next_run_on   date NOT NULL,
    last_run_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_schedules_due_idx ON report_schedules (next_run_on);

-- The chart of accounts the journal uses (French associations' plan
-- comptable by default; any chart may be typed).
CREATE TABLE accounting_settings (
    only_row             boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    -- Names the FEC file ({SIREN}FEC{closing date}).
    siren                text CHECK (siren ~ '^[0-9]{9}$'),
    bank_journal         text NOT NULL DEFAULT 'BQ' CHECK (bank_journal ~ '^[A-Z0-9]{1,6}$'),
    cash_journal         text NOT NULL DEFAULT 'CA' CHECK (cash_journal ~ '^[A-Z0-9]{1,6}$'),
    bank_account         text NOT NULL DEFAULT '512' CHECK (bank_account ~ '^[0-9][0-9A-Z]{1,15}$'),
    cash_account         text NOT NULL DEFAULT '530' CHECK (cash_account ~ '^[0-9][0-9A-Z]{1,15}$'),
    cheque_account       text NOT NULL DEFAULT '5112' CHECK (cheque_account ~ '^[0-9][0-9A-Z]{1,15}$'),
    -- Dues of plans without an account of their own.
    dues_account         text NOT NULL DEFAULT '756' CHECK (dues_account ~ '^[0-9][0-9A-Z]{1,15}$'),
    -- Money received for no membership (gifts, advances).
    unallocated_account  text NOT NULL DEFAULT '75411' CHECK (unallocated_account ~ '^[0-9][0-9A-Z]{1,15}$'),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- A plan's revenue account: 7561 (dues without counterpart, may be
-- receipted) or 7562 (with counterpart), or any other.
CREATE TABLE accounting_plan_accounts (
    plan_id  bigint PRIMARY KEY REFERENCES plans ON DELETE CASCADE,
    account  text NOT NULL CHECK (account ~ '^[0-9][0-9A-Z]{1,15}$')
);

-- What each staff member asked to be told (through notifications, kind
-- 'reports'): a payment that failed, total arrears above a sum.
CREATE TABLE report_alerts (
    account_id           bigint PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,
    payment_failed       boolean NOT NULL DEFAULT false,
    arrears_above_minor  bigint CHECK (arrears_above_minor >= 0),
    -- The last day the arrears alert fired: once a day at most.
    arrears_alerted_on   date,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

-- Notifications gain the staff's kind.
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check
    CHECK (kind IN ('announcements', 'renewals', 'payments', 'projects', 'reports'));
ALTER TABLE notification_preferences DROP CONSTRAINT notification_preferences_kind_check;
ALTER TABLE notification_preferences ADD CONSTRAINT notification_preferences_kind_check
    CHECK (kind IN ('announcements', 'renewals', 'payments', 'projects', 'reports'));
