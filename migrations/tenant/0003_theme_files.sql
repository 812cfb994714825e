-- A tenant's own templates and static files, overriding its theme's:
-- `templates/<name>` and `static/<path>`. Uploaded by `tessera tenant apply`
-- (from tenants/<slug>/templates and static) and, later, by the tenant's
-- administrators. Every instance reads them from here.

CREATE TABLE theme_files (
    path        text PRIMARY KEY
                CHECK (path ~ '^(templates|static)/[A-Za-z0-9_-][A-Za-z0-9._/-]{0,199}$'
                       AND path !~ '\.\.' AND path !~ '//'),
    content     bytea NOT NULL CHECK (length(content) <= 1048576),
    sha256      text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER theme_files_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON theme_files
    FOR EACH STATEMENT EXECUTE FUNCTION notify_content_change();
