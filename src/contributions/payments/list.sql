SELECT p.id, p.payer_id, a.display_name AS payer_name, p.amount_minor, p.refunded_minor,
       p.currency, p.method, p.status, p.received_on, p.created_at, p.paid_at,
       p.reference, p.cheque_number, p.cheque_bank
FROM payments p
JOIN accounts a ON a.id = p.payer_id
WHERE (p.created_at, p.id) < (COALESCE($1::timestamptz, 'infinity'), COALESCE($2::bigint, 9223372036854775807))
  AND ($3::date IS NULL OR p.received_on >= $3)
  AND ($4::date IS NULL OR p.received_on <= $4)
  AND ($5::text IS NULL OR p.method = $5)
  AND ($6::text IS NULL OR p.status = $6)
  AND ($7::bigint IS NULL OR p.payer_id = $7)
  AND ($8::bigint IS NULL OR EXISTS (
        SELECT 1 FROM payment_allocations pa JOIN memberships m ON m.id = pa.membership_id
        WHERE pa.payment_id = p.id AND m.plan_id = $8))
ORDER BY p.created_at DESC, p.id DESC
LIMIT $9
