-- When the next scheduled announcement becomes visible, if any: a cached
-- page listing announcements is only valid until then.
SELECT min(published_at) AS next_due
FROM announcements
WHERE published_at > now()
