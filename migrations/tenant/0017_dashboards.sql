-- Each staff member's dashboard: the widgets they chose, in order. No row
-- for an account: the default of its role. An account with a saved layout
-- of no widget keeps an empty dashboard (the `dashboards` row says so).
CREATE TABLE dashboards (
    account_id  bigint PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE dashboard_widgets (
    account_id  bigint NOT NULL REFERENCES dashboards ON DELETE CASCADE,
    position    smallint NOT NULL CHECK (position BETWEEN 0 AND 99),
    -- A widget kind's stable id (`collected`, `members_by_plan` …); ids the
    -- server no longer knows are skipped when read.
    widget      text NOT NULL CHECK (widget ~ '^[a-z][a-z_]{1,39}$'),
    PRIMARY KEY (account_id, position),
    UNIQUE (account_id, widget)
);

-- The recent-activity widget reads the newest rows of each kind.
CREATE INDEX IF NOT EXISTS accounts_created_idx ON accounts (created_at DESC);
CREATE INDEX IF NOT EXISTS memberships_created_idx ON memberships (created_at DESC);

-- An optional birth date (the profile's field) for the « members by age »
-- widget; nobody is asked for it.
ALTER TABLE accounts ADD COLUMN birth_date date CHECK (birth_date >= DATE '1900-01-01');
