SELECT id, account_id, reference, kind, status, debtor_name, street, building, post_code, town,
       country, iban, iban_sealed, bic, locale, signed_on, signed_via, signed_place, last_collected_on,
       previous_reference, previous_iban, previous_iban_sealed, amendment_pending, ended_at, end_reason, created_at
FROM sdd_mandates
WHERE ($1::bigint IS NULL OR id = $1)
  AND ($2::bigint IS NULL OR account_id = $2)
  AND ($3::text IS NULL OR status = $3)
ORDER BY created_at DESC, id DESC
LIMIT $4
