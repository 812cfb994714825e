-- Projects: what the association raises money or volunteers for. A
-- project has a Markdown description, an optional goal (in the
-- association's currency when it was created) and deadline, a status
-- (draft → open → closed, or archived: out of the lists) and a visibility
-- (everyone, or signed-in members). Staff post dated updates; members
-- comment (plain text; staff hide, delete or lock) and sign up as
-- volunteers, up to an optional number of places.
--
-- Money given for a project is not kept here: a payment of the
-- contributions module is earmarked for it (`payment_earmarks`), so the
-- project's gauge is read from the payments and their refunds, and a
-- donation has its ledger lines like any payment. The ledger gains the
-- kind 'donation': the gift, matched by its payment line, so that a
-- donation leaves the member's balance where it was (it pays no dues).

CREATE TABLE projects (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The address (`/projects/<slug>`): never only digits, which are ids.
    slug               text NOT NULL UNIQUE
                       CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND slug !~ '^[0-9]+$' AND length(slug) <= 80),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary            text NOT NULL DEFAULT '' CHECK (length(summary) <= 500),
    -- Markdown, as the editor wrote it.
    description        text NOT NULL DEFAULT '' CHECK (length(description) <= 50000),
    goal_minor         bigint CHECK (goal_minor > 0 AND goal_minor <= 10000000000000),
    currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    deadline           date,
    status             text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'archived')),
    visibility         text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'members')),
    -- Whether members may sign up, how many places (NULL: no limit) and
    -- which roles or slots are wanted.
    volunteering       boolean NOT NULL DEFAULT false,
    volunteers_wanted  integer CHECK (volunteers_wanted BETWEEN 1 AND 10000),
    volunteer_roles    text NOT NULL DEFAULT '' CHECK (length(volunteer_roles) <= 1000),
    comments_locked    boolean NOT NULL DEFAULT false,
    created_by         bigint REFERENCES accounts ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
-- Readers' list: open then closed ones of a visibility.
CREATE INDEX projects_listed_idx ON projects (visibility, status, deadline, id DESC)
    WHERE status IN ('open', 'closed');

CREATE TABLE project_updates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        text NOT NULL DEFAULT '' CHECK (length(body) <= 20000),
    author_id   bigint REFERENCES accounts ON DELETE SET NULL,
    posted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_updates_project_idx ON project_updates (project_id, posted_at DESC, id DESC);

-- Plain text, shown escaped. A hidden comment is kept (staff see it and
-- may show it again) but nobody else reads it.
CREATE TABLE project_comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    author_id   bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    hidden_at   timestamptz,
    hidden_by   bigint REFERENCES accounts ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_comments_project_idx ON project_comments (project_id, created_at, id);

CREATE TABLE project_volunteers (
    project_id    bigint NOT NULL REFERENCES projects ON DELETE CASCADE,
    account_id    bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    signed_up_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, account_id)
);

-- The contributions module's: a payment given for a project. No cascade:
-- a project that received money keeps its history (it is archived, not
-- deleted).
CREATE TABLE payment_earmarks (
    payment_id  bigint PRIMARY KEY REFERENCES payments,
    project_id  bigint NOT NULL REFERENCES projects,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_earmarks_project_idx ON payment_earmarks (project_id);

-- What the contributions module may know of projects: the purposes a
-- payment can be earmarked for (`open`: accepting money now).
CREATE VIEW earmark_targets AS
SELECT id, title, currency, status = 'open' AS open
FROM projects;

ALTER TABLE ledger_entries
    DROP CONSTRAINT ledger_entries_kind_check,
    ADD CONSTRAINT ledger_entries_kind_check
        CHECK (kind IN ('charge', 'payment', 'refund', 'credit', 'reversal', 'donation'));
