-- Announcements as editors run them: who may read one (its audience),
-- pinned ones first, archived ones out of every list, an optional image
-- kept in the tenant's storage, and who wrote it. `published_at` in the
-- future is a scheduled publication; NULL a draft.
--
-- The tenant's content settings (one row): whether Markdown may show
-- images from other sites, and the time zone in which editors type dates.

ALTER TABLE announcements
    ADD COLUMN audience    text NOT NULL DEFAULT 'public'
                           CHECK (audience IN ('public', 'members', 'staff')),
    ADD COLUMN pinned      boolean NOT NULL DEFAULT false,
    ADD COLUMN archived_at timestamptz,
    ADD COLUMN image_key   text CHECK (length(image_key) <= 200),
    ADD COLUMN image_alt   text NOT NULL DEFAULT '' CHECK (length(image_alt) <= 300),
    ADD COLUMN author_id   bigint REFERENCES accounts ON DELETE SET NULL,
    ADD COLUMN updated_at  timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT announcements_body_length CHECK (length(body) <= 50000);

-- Lists read the visible ones of an audience, pinned first, newest first.
DROP INDEX announcements_published_idx;
CREATE INDEX announcements_listed_idx ON announcements (audience, pinned DESC, published_at DESC, id DESC)
    WHERE published_at IS NOT NULL AND archived_at IS NULL;

CREATE TABLE content_settings (
    singleton              boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    allow_external_images  boolean NOT NULL DEFAULT false,
    time_zone              text NOT NULL DEFAULT 'Europe/Paris' CHECK (length(time_zone) BETWEEN 1 AND 64),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO content_settings DEFAULT VALUES;

CREATE TRIGGER content_settings_changed
    AFTER INSERT OR UPDATE OR DELETE ON content_settings
    FOR EACH STATEMENT EXECUTE FUNCTION notify_content_change();
