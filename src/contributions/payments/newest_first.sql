SELECT p.id, p.payer_id, a.display_name AS payer_name, p.amount_minor, p.refunded_minor,
       p.currency, p.method, p.status, p.received_on, p.created_at, p.paid_at,
       p.reference, p.cheque_number, p.cheque_bank
FROM payments p
JOIN accounts a ON a.id = p.payer_id
ORDER BY p.created_at DESC, p.id DESC
LIMIT $1
