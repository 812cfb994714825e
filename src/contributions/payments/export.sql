SELECT p.id, p.payer_id, a.display_name AS payer_name, a.email AS payer_email,
       p.amount_minor, p.refunded_minor, p.currency, p.method, p.status,
       p.received_on, p.created_at, p.paid_at, p.reference, p.cheque_number, p.cheque_bank,
       p.note
FROM payments p
JOIN accounts a ON a.id = p.payer_id
WHERE ($1::date IS NULL OR p.received_on >= $1)
  AND ($2::date IS NULL OR p.received_on <= $2)
  AND ($3::text IS NULL OR p.method = $3)
  AND ($4::text IS NULL OR p.status = $4)
  AND ($5::bigint IS NULL OR p.payer_id = $5)
  AND ($6::bigint IS NULL OR EXISTS (
        SELECT 1 FROM payment_allocations pa JOIN memberships m ON m.id = pa.membership_id
        WHERE pa.payment_id = p.id AND m.plan_id = $6))
ORDER BY p.created_at DESC, p.id DESC
