//! Money movements over a period, for the accounting journal: each
//! payment received (what it paid, plan by plan) and each refund, in date
//! order. The accounts they are booked to are the reader's business.

use chrono::NaiveDate;
use futures::{Stream, StreamExt};
use sqlx::PgConnection;

use crate::model::{Amount, Currency};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Movement {
    Received,
    Refunded,
}

/// One movement: money in (a payment) or out (a refund).
#[derive(Debug, Clone)]
pub struct Entry {
    pub movement: Movement,
    pub on: NaiveDate,
    pub payment_id: i64,
    pub payer_id: i64,
    pub payer_name: String,
    pub method: String,
    pub reference: Option<String>,
    pub cheque_number: Option<String>,
    /// Always positive.
    pub amount: Amount,
    /// What a payment paid, per plan (`(plan id, plan name, amount)`); the
    /// rest of `amount` paid no membership. A refund lists the plan that
    /// took most of its payment, with the refunded amount.
    pub plans: Vec<(i64, String, Amount)>,
}

/// Payments received (paid, later refunded or not) and refunds made on
/// `[from, to]`, by date, payments before refunds on the same day.
pub fn entries<'c>(
    conn: &'c mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Stream<Item = Result<Entry, sqlx::Error>> + Send + 'c {
    sqlx::query!(
        r#"SELECT * FROM (
             SELECT false AS "refund!", p.received_on AS "on!", p.id AS "payment_id!", p.payer_id AS "payer_id!",
                    a.display_name AS "payer_name!", p.method AS "method!", p.reference, p.cheque_number,
                    p.amount_minor AS "amount_minor!", p.currency AS "currency!",
                    coalesce(array_agg(m.plan_id ORDER BY m.plan_id) FILTER (WHERE m.id IS NOT NULL), '{}') AS "plan_ids!",
                    coalesce(array_agg(pl.name ORDER BY m.plan_id) FILTER (WHERE m.id IS NOT NULL), '{}') AS "plan_names!",
                    coalesce(array_agg(pa.amount_minor ORDER BY m.plan_id) FILTER (WHERE m.id IS NOT NULL), '{}') AS "plan_amounts!"
             FROM payments p
             JOIN accounts a ON a.id = p.payer_id
             LEFT JOIN payment_allocations pa ON pa.payment_id = p.id
             LEFT JOIN memberships m ON m.id = pa.membership_id
             LEFT JOIN plans pl ON pl.id = m.plan_id
             WHERE p.status IN ('paid', 'refunded') AND p.received_on BETWEEN $1 AND $2
             GROUP BY p.id, a.display_name
             UNION ALL
             SELECT true, (l.at AT TIME ZONE 'UTC')::date, p.id, p.payer_id, a.display_name, p.method,
                    p.reference, p.cheque_number, abs(l.amount_minor), p.currency,
                    coalesce(top.plan_ids, '{}'), coalesce(top.plan_names, '{}'), ARRAY[abs(l.amount_minor)]
             FROM ledger_entries l
             JOIN payments p ON p.id = l.payment_id
             JOIN accounts a ON a.id = p.payer_id
             LEFT JOIN LATERAL (
                 SELECT ARRAY[m.plan_id] AS plan_ids, ARRAY[pl.name] AS plan_names
                 FROM payment_allocations pa
                 JOIN memberships m ON m.id = pa.membership_id
                 JOIN plans pl ON pl.id = m.plan_id
                 WHERE pa.payment_id = p.id
                 ORDER BY pa.amount_minor DESC, m.plan_id LIMIT 1) top ON true
             WHERE l.kind = 'refund' AND (l.at AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2
           ) movements
           ORDER BY "on!", "refund!", "payment_id!""#,
        from,
        to
    )
    .fetch(conn)
    .map(|row| {
        let row = row?;
        let currency = Currency::parse(&row.currency).map_err(|e| sqlx::Error::Decode(e.into()))?;
        let amount = |minor: i64| {
            Amount::new(minor, currency)
                .ok_or_else(|| sqlx::Error::Decode("journal amount out of range".into()))
        };
        let mut plans = Vec::with_capacity(row.plan_ids.len());
        for ((id, name), minor) in row.plan_ids.iter().zip(&row.plan_names).zip(&row.plan_amounts) {
            plans.push((*id, name.clone(), amount(*minor)?));
        }
        Ok(Entry {
            movement: if row.refund {
                Movement::Refunded
            } else {
                Movement::Received
            },
            on: row.on,
            payment_id: row.payment_id,
            payer_id: row.payer_id,
            payer_name: row.payer_name,
            method: row.method,
            reference: row.reference,
            cheque_number: row.cheque_number,
            amount: amount(row.amount_minor)?,
            plans,
        })
    })
}
