SELECT p.currency,
       count(*) AS "count!",
       COALESCE(sum(p.amount_minor) FILTER (WHERE p.status IN ('paid', 'refunded')), 0)::bigint AS "paid!",
       COALESCE(sum(p.refunded_minor), 0)::bigint AS "refunded!"
FROM payments p
WHERE ($1::date IS NULL OR p.received_on >= $1)
  AND ($2::date IS NULL OR p.received_on <= $2)
  AND ($3::text IS NULL OR p.method = $3)
  AND ($4::text IS NULL OR p.status = $4)
  AND ($5::bigint IS NULL OR p.payer_id = $5)
  AND ($6::bigint IS NULL OR EXISTS (
        SELECT 1 FROM payment_allocations pa JOIN memberships m ON m.id = pa.membership_id
        WHERE pa.payment_id = p.id AND m.plan_id = $6))
GROUP BY p.currency
ORDER BY p.currency
