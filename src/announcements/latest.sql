-- The front page's public announcements: pinned ones first, then the
-- newest; drafts, scheduled, archived and members-only ones never show.
SELECT id, title, body, published_at, pinned, image_key, image_alt
FROM announcements
WHERE audience = 'public' AND archived_at IS NULL AND published_at <= now()
ORDER BY pinned DESC, published_at DESC, id DESC
LIMIT 5
