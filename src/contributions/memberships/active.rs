//! How many people are members today, in one set-based statement: the
//! latest period of each chain with only what its status needs (the
//! dashboard and the live figures ask on every view). The status still
//! comes from the association's rules, in Rust, as for every membership.
//!
//! « Paid any » is read without `allocation_net`'s division: an
//! allocation's net is `amount − ⌊refunded × amount / payment⌋`, which is
//! positive exactly when the allocation is and the payment is not wholly
//! refunded, and the sum of nets (never negative) is positive when one is.

use chrono::NaiveDate;

use crate::contributions::model::Status;
use crate::contributions::status::{self, Facts};
use crate::db::TenantTx;

/// People whose latest membership is new, current or in grace on `today`.
pub async fn active_people(tx: &mut TenantTx, today: NaiveDate) -> Result<i64, sqlx::Error> {
    let rules = status::rules(tx).await?;
    let rows = sqlx::query!(
        r#"WITH latest AS (
               SELECT m.id, m.account_id, m.starts_on, m.ends_on, m.amount_minor, m.credit_minor,
                      m.status_override
               FROM memberships m
               WHERE m.cancelled_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM memberships r
                                 WHERE r.previous_id = m.id AND r.cancelled_at IS NULL)),
           joined AS (
               SELECT account_id, min(starts_on) AS joined_on FROM memberships
               WHERE cancelled_at IS NULL GROUP BY account_id),
           money AS (
               SELECT al.membership_id,
                      bool_or(pa.status IN ('paid', 'refunded') AND al.amount_minor > 0
                              AND pa.refunded_minor < pa.amount_minor) AS paid,
                      bool_or(pa.status = 'pending') AS pending,
                      bool_or(pa.status = 'pending' AND pa.attempt > 1) AS retrying
               FROM payment_allocations al JOIN payments pa ON pa.id = al.payment_id
               GROUP BY al.membership_id)
           SELECT l.account_id AS "account_id!", l.starts_on AS "starts_on!", l.ends_on,
                  l.amount_minor AS "amount_minor!", l.credit_minor AS "credit_minor!", l.status_override,
                  j.joined_on, coalesce(mo.paid, false) AS "paid!", coalesce(mo.pending, false) AS "pending!",
                  coalesce(mo.retrying, false) AS "retrying!"
           FROM latest l
           JOIN joined j ON j.account_id = l.account_id
           LEFT JOIN money mo ON mo.membership_id = l.id"#
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut people: Vec<i64> = rows
        .into_iter()
        .filter(|row| {
            let facts = Facts {
                joined_on: row.joined_on.unwrap_or(row.starts_on),
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                amount_due: row.amount_minor > row.credit_minor,
                paid_any: row.paid,
                payment_pending: row.pending,
                payment_retrying: row.retrying,
                cancelled: false,
                overridden: row
                    .status_override
                    .as_deref()
                    .and_then(|s| s.parse::<Status>().ok()),
            };
            status::status_of(&rules, &facts, today).is_active()
        })
        .map(|row| row.account_id)
        .collect();
    people.sort_unstable();
    people.dedup();
    Ok(i64::try_from(people.len()).unwrap_or(i64::MAX))
}
