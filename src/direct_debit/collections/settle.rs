//! The daily turns of a debit: paid on its date when the bank carried it
//! (its payment becomes paid, received on the collection date — the date
//! a receipt bears); missed when no file took it before the bank's lead
//! time, or when its mandate ended first (its payment fails, and the dues
//! are planned again with a new notice).

use chrono::NaiveDate;

use crate::contributions::payments;
use crate::db::TenantTx;
use crate::direct_debit::settings;
use crate::error::Refusal;
use crate::sepa::target;

/// Settles the submitted debits due on or before `today`.
pub async fn settle_due(tx: &mut TenantTx, today: NaiveDate) -> Result<usize, Refusal> {
    let due = sqlx::query!(
        "UPDATE sdd_collections SET status = 'settled'
         WHERE status = 'submitted' AND due_on <= $1 RETURNING payment_id",
        today
    )
    .fetch_all(tx.conn().await?)
    .await?;
    for row in &due {
        payments::mark_paid(tx, row.payment_id, None).await?;
    }
    Ok(due.len())
}

/// Gives up the planned debits that can no longer reach the bank in time
/// or whose mandate ended.
pub async fn miss_late(tx: &mut TenantTx, today: NaiveDate) -> Result<usize, Refusal> {
    let lead = match settings::load(tx).await? {
        Some(creditor) => u32::from(creditor.lead_days.unsigned_abs()),
        None => 0,
    };
    let cutoff = target::add_business_days(today, lead);
    let missed = sqlx::query!(
        "UPDATE sdd_collections c SET status = 'missed'
         FROM sdd_mandates m
         WHERE m.id = c.mandate_id AND c.status = 'planned'
           AND (c.due_on < $1 OR m.status <> 'active')
         RETURNING c.payment_id",
        cutoff
    )
    .fetch_all(tx.conn().await?)
    .await?;
    for row in &missed {
        payments::mark_failed(tx, row.payment_id, None).await?;
    }
    Ok(missed.len())
}
