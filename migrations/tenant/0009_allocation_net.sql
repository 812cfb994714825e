-- What each allocation still counts for once its payment's refunds are
-- shared out over its allocations in proportion (rounded down; the product
-- is taken in numeric, as two amounts near the 10^13 cap overflow bigint). The one
-- definition of "paid towards a membership": the member's page, the
-- allocation of a new payment and the treasurer's figures all read it.
CREATE VIEW allocation_net AS
SELECT al.payment_id,
       al.membership_id,
       pa.status,
       pa.currency,
       pa.received_on,
       al.amount_minor
         - div(pa.refunded_minor::numeric * al.amount_minor, pa.amount_minor)::bigint AS net_minor
FROM payment_allocations al
JOIN payments pa ON pa.id = al.payment_id;
