-- Outgoing webhooks (`src/webhooks/`): an association's endpoints, the
-- events they were sent, and one delivery per (endpoint, event).
--
-- A producer's `webhooks::emit` writes the event and its deliveries in its
-- own transaction and queues one `webhooks.deliver` job per delivery; the
-- job records each attempt here. An event no endpoint wants is not stored.

CREATE TABLE webhook_endpoints (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
    description     text NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    -- Event types (`commission.created`), prefixes (`commission.*`) or `*`.
    events          text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    -- The signing secret, sealed (AES-256-GCM) under a key derived from the
    -- platform's signing key for this tenant: a dump of this schema, or a
    -- row copied into another schema, cannot sign anything.
    secret_sealed   bytea NOT NULL,
    -- After a rotation the old secret signs too, until it expires.
    previous_secret_sealed      bytea,
    previous_secret_expires_at  timestamptz,
    active          boolean NOT NULL DEFAULT true,
    -- `manual` (staff) or `failing` (every attempt failed for days).
    disabled_reason text CHECK (disabled_reason IN ('manual', 'failing')),
    disabled_at     timestamptz,
    -- The first failed attempt since the last delivered one.
    failing_since   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      bigint REFERENCES accounts ON DELETE SET NULL,
    CHECK ((previous_secret_sealed IS NULL) = (previous_secret_expires_at IS NULL)),
    CHECK (active = (disabled_reason IS NULL)),
    CHECK (active = (disabled_at IS NULL))
);

CREATE TABLE webhook_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- What receivers see as `id` and `webhook-id`: not a count of events.
    public_id   text NOT NULL UNIQUE
                DEFAULT ('evt_' || replace(gen_random_uuid()::text, '-', '')),
    event_type  text NOT NULL
                CHECK (event_type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'
                       AND length(event_type) <= 100),
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Events (and their deliveries) are removed after
-- `webhooks::deliver::KEEP_DAYS`.
CREATE INDEX webhook_events_created_idx ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints ON DELETE CASCADE,
    event_id         bigint NOT NULL REFERENCES webhook_events ON DELETE CASCADE,
    -- `pending` (an attempt is due or will be), `delivered` (a 2xx),
    -- `failed` (the job queue gave up), `skipped` (the endpoint was
    -- disabled before it could be sent).
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status      integer CHECK (last_status BETWEEN 100 AND 999),
    last_error       text CHECK (length(last_error) <= 500),
    last_attempt_at  timestamptz,
    -- When the queue will try again (its back-off, without its jitter).
    next_attempt_at  timestamptz,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, event_id),
    CHECK ((state = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);
