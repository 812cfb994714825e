//! Payments: money handed over by a payer (cash, cheque, transfer, card
//! taken elsewhere, or an online provider), what it pays (allocations to
//! memberships), its ledger lines and its receipt. `record` writes all of
//! it in the caller's transaction; a pending payment (a transfer
//! announced, a card being retried) counts for nothing until `mark_paid`,
//! but keeps its memberships out of lapse. The treasurer's and the API's
//! list is `list`, the streamed exports `export`.

pub mod export;
pub mod list;
mod live;
mod outcome;
mod record;
pub mod reference;
mod refund;

use chrono::{DateTime, NaiveDate, Utc};

pub use outcome::{link_provider, mark_failed, mark_paid, mark_paid_on, set_attempt};
pub(in crate::contributions) use record::record_for;
pub use record::{Allocation, NewPayment, record};
pub use reference::transfer_reference;
pub use refund::refund;

use super::model::{Method, PaymentStatus};
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Payment {
    pub id: i64,
    pub payer_id: i64,
    pub payer_name: String,
    pub amount: Amount,
    pub refunded: Amount,
    pub method: Method,
    pub status: PaymentStatus,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    /// (membership id, amount) pairs.
    pub allocations: Vec<(i64, Amount)>,
    /// The project a donation is earmarked for (it then pays no membership).
    pub earmark: Option<super::earmarks::Earmark>,
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Payment>, sqlx::Error> {
    let Some(row) = sqlx::query!(
        "SELECT p.id, p.payer_id, a.display_name, p.amount_minor, p.refunded_minor, p.currency, p.method,
                p.status, p.cheque_number, p.cheque_bank, p.reference, p.received_on, p.note,
                p.recorded_by, p.created_at, p.paid_at
         FROM payments p JOIN accounts a ON a.id = p.payer_id WHERE p.id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    else {
        return Ok(None);
    };
    let allocations = sqlx::query!(
        "SELECT membership_id, amount_minor FROM payment_allocations WHERE payment_id = $1 ORDER BY membership_id",
        id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let earmark = super::earmarks::of_payment(tx, id).await?;
    let Ok(currency) = Currency::parse(&row.currency) else {
        return Ok(None);
    };
    let money = |minor: i64| Amount::new(minor, currency);
    let (Some(amount), Some(refunded), Ok(method), Ok(status)) = (
        money(row.amount_minor),
        money(row.refunded_minor),
        row.method.parse(),
        row.status.parse(),
    ) else {
        return Ok(None);
    };
    Ok(Some(Payment {
        id: row.id,
        payer_id: row.payer_id,
        payer_name: row.display_name,
        amount,
        refunded,
        method,
        status,
        cheque_number: row.cheque_number,
        cheque_bank: row.cheque_bank,
        reference: row.reference,
        received_on: row.received_on,
        note: row.note,
        recorded_by: row.recorded_by,
        created_at: row.created_at,
        paid_at: row.paid_at,
        allocations: allocations
            .into_iter()
            .filter_map(|a| Some((a.membership_id, money(a.amount_minor)?)))
            .collect(),
        earmark,
    }))
}

/// Whether `account_id` paid (or tried to pay) with `reference`: the
/// affiliation checks compare a referred payer's reference with their
/// affiliate's.
pub async fn reference_used_by(
    tx: &mut TenantTx,
    account_id: i64,
    reference: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM payments WHERE payer_id = $1 AND lower(reference) = lower($2)) AS "used!""#,
        account_id,
        reference
    )
    .fetch_one(tx.conn().await?)
    .await
}
