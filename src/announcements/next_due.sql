-- When the next scheduled public announcement becomes visible, if any: a
-- cached page listing announcements is only valid until then.
SELECT min(published_at) AS next_due
FROM announcements
WHERE audience = 'public' AND archived_at IS NULL AND published_at > now()
