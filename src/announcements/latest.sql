-- The five latest published announcements, newest first (the front page).
SELECT id, title, body, published_at
FROM announcements
WHERE published_at <= now()
ORDER BY published_at DESC
LIMIT 5
