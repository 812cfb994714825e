-- Reporting across tenants, without reading any tenant's schema.
--
-- Each tenant publishes its own aggregates once a day (the
-- `reporting.publish` job, run with the tenant's transaction, writes here
-- through the platform's pool): counts and money, never a person. The
-- operators' figures (growth, churn, money per month, largest tenants) are
-- sums of these rows and of the platform's own tables.
--
-- A tenant may be the federation of other tenants: operators propose a
-- link, both sides accept it, either side (or an operator) ends it. While
-- it is active the federation reads its clubs' published rows, and the
-- named lists a club chose to share, nothing else.

-- One row per tenant per day (a later run the same day replaces it).
CREATE TABLE platform.published_figures (
    tenant_id       bigint NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    day             date NOT NULL,
    -- People with a membership, ever (cancelled ones left out).
    members         bigint NOT NULL CHECK (members >= 0),
    -- People with a membership covering the day: the licence holders.
    licences        bigint NOT NULL CHECK (licences >= 0),
    -- People whose first membership started in the current season.
    new_members     bigint NOT NULL CHECK (new_members >= 0),
    -- People whose last membership ended in the past year, not renewed.
    lapsed          bigint NOT NULL CHECK (lapsed >= 0),
    -- Payments received in the current season.
    payments        bigint NOT NULL CHECK (payments >= 0),
    -- `[{"plan": name, "licences": n}]`: licence holders per plan.
    by_plan         jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(by_plan) = 'array'),
    -- `[{"currency", "day_minor", "season_minor"}]`: received, net of refunds.
    collected       jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(collected) = 'array'),
    -- `[{"month": "YYYY-MM", "currency", "minor"}]`: the last twelve months.
    monthly         jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(monthly) = 'array'),
    -- The tenant schema's version when it published.
    schema_version  bigint NOT NULL DEFAULT 0,
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, day)
);
CREATE INDEX published_figures_day_idx ON platform.published_figures (day);

-- A club (child) in a federation (parent). Proposed by an operator,
-- active once both sides accepted, over once ended (by whom, when).
CREATE TABLE platform.federation_links (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id           bigint NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    child_id            bigint NOT NULL REFERENCES platform.tenants (id) ON DELETE CASCADE,
    proposed_by         bigint REFERENCES platform.operators (id) ON DELETE SET NULL,
    proposed_at         timestamptz NOT NULL DEFAULT now(),
    parent_accepted_at  timestamptz,
    child_accepted_at   timestamptz,
    ended_at            timestamptz,
    ended_by            text CHECK (ended_by IN ('operator', 'parent', 'child')),
    CHECK (parent_id <> child_id),
    CHECK ((ended_at IS NULL) = (ended_by IS NULL))
);
-- One live link (proposed or active) per club.
CREATE UNIQUE INDEX federation_links_one_live_idx ON platform.federation_links (child_id)
    WHERE ended_at IS NULL;
CREATE INDEX federation_links_parent_idx ON platform.federation_links (parent_id)
    WHERE ended_at IS NULL;

-- What a federation charges its clubs per licence.
CREATE TABLE platform.federation_dues (
    parent_id           bigint PRIMARY KEY REFERENCES platform.tenants (id) ON DELETE CASCADE,
    per_licence_minor   bigint NOT NULL CHECK (per_licence_minor BETWEEN 0 AND 100000000),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- A named list a club chose to share with its federation (a snapshot it
-- took, e.g. its licence holders). Withdrawing it, or leaving, deletes it.
CREATE TABLE platform.federation_shared_lists (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    link_id     bigint NOT NULL REFERENCES platform.federation_links (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    -- `[{"name", "plan", "starts_on", "ends_on"}]`.
    rows        jsonb NOT NULL CHECK (jsonb_typeof(rows) = 'array'),
    shared_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (link_id, name)
);
