-- The first tables of every tenant schema. Statements are unqualified: the
-- migration runner sets search_path to the tenant's schema.

CREATE TABLE members (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email       text NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$'),
    full_name   text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    joined_on   date NOT NULL DEFAULT current_date,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX members_email_idx ON members (lower(email));

CREATE TABLE announcements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body         text NOT NULL DEFAULT '',
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX announcements_published_idx ON announcements (published_at DESC)
    WHERE published_at IS NOT NULL;
