-- SEPA direct debit collections: each debit planned under a mandate (and
-- announced to the member), the files handed to the bank, and what the
-- bank reported back.

-- A debit is a payment like any other, announced (pending) until the
-- collection date, then paid; `attempt` counts presentations of the same
-- dues, so a member whose debit is being presented again stays in grace.
ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_method_check
    CHECK (method IN ('cash', 'cheque', 'transfer', 'card', 'other', 'online', 'direct_debit'));
ALTER TABLE payments ADD COLUMN attempt smallint NOT NULL DEFAULT 1 CHECK (attempt BETWEEN 1 AND 10);

-- A pain.008 file as it was handed to the bank: kept as written, never
-- rewritten (the bank's reports name it by its message id).
CREATE TABLE sdd_batches (
    id           bigserial PRIMARY KEY,
    message_id   text NOT NULL UNIQUE CHECK (length(message_id) BETWEEN 1 AND 35),
    debit_count  integer NOT NULL CHECK (debit_count > 0),
    total_minor  bigint NOT NULL CHECK (total_minor > 0),
    first_due_on date NOT NULL,
    document     text NOT NULL,
    created_by   bigint REFERENCES accounts (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One debit of one member under one mandate. Planned (and the member told)
-- at least the notice period before its date; submitted in a batch; settled
-- on its date; or rejected before, returned after, or missed when no file
-- carried it in time.
CREATE TABLE sdd_collections (
    id            bigserial PRIMARY KEY,
    mandate_id    bigint NOT NULL REFERENCES sdd_mandates (id),
    payment_id    bigint NOT NULL UNIQUE REFERENCES payments (id),
    end_to_end_id text NOT NULL UNIQUE CHECK (length(end_to_end_id) BETWEEN 1 AND 35),
    amount_minor  bigint NOT NULL CHECK (amount_minor > 0),
    due_on        date NOT NULL,
    sequence      text NOT NULL CHECK (sequence IN ('FRST', 'RCUR', 'OOFF', 'FNAL')),
    -- 1 for the first presentation of these dues, 2 and more for retries.
    attempt       smallint NOT NULL DEFAULT 1 CHECK (attempt BETWEEN 1 AND 10),
    status        text NOT NULL CHECK (status IN ('planned', 'submitted', 'settled', 'rejected', 'returned', 'missed')),
    notified_at   timestamptz NOT NULL,
    batch_id      bigint REFERENCES sdd_batches (id),
    reason        text CHECK (reason ~ '^[A-Z0-9]{4}$'),
    returned_on   date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (status NOT IN ('submitted', 'settled', 'returned') OR batch_id IS NOT NULL),
    CHECK (status <> 'planned' OR batch_id IS NULL),
    CHECK ((status IN ('rejected', 'returned')) = (reason IS NOT NULL))
);
CREATE INDEX sdd_collections_open_idx ON sdd_collections (due_on) WHERE status IN ('planned', 'submitted');
CREATE INDEX sdd_collections_mandate_idx ON sdd_collections (mandate_id, due_on DESC);
CREATE INDEX sdd_collections_batch_idx ON sdd_collections (batch_id);
