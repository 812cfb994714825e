-- A member's consents (newsletters, a listing in the member directory, the
-- use of their photo), each record keeping the wording they agreed to, its
-- language, where it was given and when; withdrawing dates the record and
-- a later consent is a new one, so the history stays whole.
CREATE TABLE consents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose      text NOT NULL CHECK (purpose IN ('newsletter', 'directory', 'photo')),
    wording      text NOT NULL CHECK (length(wording) BETWEEN 1 AND 2000),
    locale       text NOT NULL CHECK (locale IN ('fr', 'en')),
    source       text NOT NULL CHECK (source IN ('portal', 'api', 'staff', 'import')),
    granted_at   timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz,
    CHECK (withdrawn_at IS NULL OR withdrawn_at >= granted_at)
);
-- At most one live consent per person and purpose.
CREATE UNIQUE INDEX consents_live_idx ON consents (account_id, purpose) WHERE withdrawn_at IS NULL;

-- What a member shows in the directory, field by field; shown only while
-- their `directory` consent is live.
CREATE TABLE directory_fields (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    field      text NOT NULL CHECK (field IN ('display_name', 'email', 'phone', 'town')),
    PRIMARY KEY (account_id, field)
);
