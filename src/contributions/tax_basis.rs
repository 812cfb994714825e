//! What of each payment qualifies for a tax receipt: the part of its
//! allocations to plans marked « ouvre droit à reçu », each taken at the
//! plan's receiptable percentage (dues that buy services qualify only for
//! the institutional part), and the whole of a gift earmarked for a
//! project; net of refunds, in euros, dated by the day the money was
//! received (the day a transfer, debit or card payment was credited).

use chrono::NaiveDate;

use super::Method;
use crate::db::TenantTx;

/// The qualifying part of one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualifying {
    pub payment_id: i64,
    pub account_id: i64,
    pub received_on: NaiveDate,
    pub method: Method,
    /// Euro cents.
    pub amount_minor: i64,
}

/// The qualifying payments received from `from` to `to` (inclusive), of
/// one payer or of all, oldest first.
pub async fn qualifying(
    tx: &mut TenantTx,
    account_id: Option<i64>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Qualifying>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH parts AS (
               SELECT n.payment_id, div(n.net_minor * p.tax_receipt_percent, 100)::bigint AS part
               FROM allocation_net n
               JOIN memberships m ON m.id = n.membership_id
               JOIN plans p ON p.id = m.plan_id
               WHERE p.tax_receipt AND n.status IN ('paid', 'refunded')
               UNION ALL
               SELECT e.payment_id, pa.amount_minor - pa.refunded_minor
               FROM payment_earmarks e JOIN payments pa ON pa.id = e.payment_id
               WHERE pa.status IN ('paid', 'refunded'))
           SELECT pa.id, pa.payer_id, pa.received_on, pa.method, sum(parts.part)::bigint AS "amount!"
           FROM parts JOIN payments pa ON pa.id = parts.payment_id
           WHERE pa.currency = 'EUR' AND pa.received_on BETWEEN $2 AND $3
             AND ($1::bigint IS NULL OR pa.payer_id = $1)
           GROUP BY pa.id
           HAVING sum(parts.part) > 0
           ORDER BY pa.received_on, pa.id"#,
        account_id,
        from,
        to
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Qualifying {
                payment_id: row.id,
                account_id: row.payer_id,
                received_on: row.received_on,
                method: row.method.parse().ok()?,
                amount_minor: row.amount,
            })
        })
        .collect())
}
