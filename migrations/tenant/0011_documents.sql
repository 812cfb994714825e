-- Documents: the association's files (statutes, minutes, forms, photos),
-- in a tree of folders, each readable by everyone, by members or by staff
-- only. The bytes live in `Storage` under a fresh random key per file; a
-- row names its file only once the file is stored, so a row never points
-- at nothing.

-- One row: the association's upload limit (NULL: the platform's default).
CREATE TABLE document_settings (
    singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    max_upload_bytes  bigint CHECK (max_upload_bytes > 0),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
INSERT INTO document_settings DEFAULT VALUES;

CREATE TABLE document_folders (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL: at the top. A folder with something inside cannot be deleted.
    parent_id   bigint REFERENCES document_folders ON DELETE RESTRICT,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120 AND name !~ '[[:cntrl:]/\\]'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id <> id)
);
-- Two folders side by side never share a name (whatever the case).
CREATE UNIQUE INDEX document_folders_name_idx
    ON document_folders (coalesce(parent_id, 0), lower(name));

CREATE TABLE documents (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    folder_id     bigint REFERENCES document_folders ON DELETE RESTRICT,
    -- The file's name as people see and download it, extension included.
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND name !~ '[[:cntrl:]/\\]'),
    -- What the bytes are (sniffed, never the client's word).
    content_type  text NOT NULL CHECK (content_type IN (
                      'application/pdf', 'image/jpeg', 'image/png', 'text/plain', 'text/csv',
                      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
                      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                      'application/vnd.oasis.opendocument.text',
                      'application/vnd.oasis.opendocument.spreadsheet')),
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    storage_key   text NOT NULL UNIQUE CHECK (storage_key ~ '^documents/[0-9a-f]{32}$'),
    visibility    text NOT NULL CHECK (visibility IN ('public', 'members', 'staff')),
    uploaded_by   bigint REFERENCES accounts ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX documents_folder_idx ON documents (folder_id, lower(name), id);
