-- The portal's front page: the five latest published announcements, newest
-- first, and when the next scheduled one becomes visible. One row per
-- announcement (a single row of NULLs when there is none), each carrying
-- next_due. Run in one round trip by `announcements::front_page`. The `?`
-- in the aliases tells sqlx's compile-time check that the outer join makes
-- these columns nullable.
SELECT a.id AS "id?", a.title AS "title?", a.body AS "body?", a.published_at, due.next_due
FROM (
    SELECT min(published_at) AS next_due
    FROM announcements
    WHERE published_at > now()
) AS due
LEFT JOIN LATERAL (
    SELECT id, title, body, published_at
    FROM announcements
    WHERE published_at <= now()
    ORDER BY published_at DESC
    LIMIT 5
) AS a ON true
ORDER BY a.published_at DESC
