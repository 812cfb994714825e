//! Affiliation's outgoing events, signed and retried by `webhooks`:
//! `referral.created`, `commission.created`, `commission.reversed`,
//! `payout.requested` and `payout.paid`. They are emitted in the
//! transaction of the change, so a rolled-back change sends nothing.
//! The platform's programme has no webhook endpoints: its events go nowhere.

use serde_json::{Value, json};

use super::books::Books;
use super::payouts::Payout;
use super::referrals::Referral;

async fn emit(books: &mut Books<'_>, event: &str, data: Value) -> Result<(), sqlx::Error> {
    match books.tenant_tx() {
        Some(tx) => crate::webhooks::emit(tx, event, data).await,
        None => Ok(()),
    }
}

pub async fn referral_created(
    books: &mut Books<'_>,
    referral: &Referral,
) -> Result<(), sqlx::Error> {
    let data = json!({
        "referral_id": referral.id, "program_id": referral.program_id, "affiliate_id": referral.affiliate_id,
        "via": referral.via, "campaign": referral.campaign, "status": referral.status,
    });
    emit(books, "referral.created", data).await
}

/// A ledger line was written: a commission, or the reversal of one.
pub async fn line_written(books: &mut Books<'_>, line_id: i64) -> Result<(), sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, program_id, affiliate_id, referral_id, payment_id, stage, side, reward, amount_minor, days,
                currency, status, due_at
         FROM aff_lines WHERE id = $1",
        line_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    let event = if row.stage == "reversal" {
        "commission.reversed"
    } else {
        "commission.created"
    };
    let data = json!({
        "line_id": row.id, "program_id": row.program_id, "affiliate_id": row.affiliate_id,
        "referral_id": row.referral_id, "payment_id": row.payment_id, "stage": row.stage, "side": row.side,
        "reward": row.reward, "amount_minor": row.amount_minor, "days": row.days, "currency": row.currency,
        "status": row.status, "due_at": row.due_at,
    });
    emit(books, event, data).await
}

pub async fn payout(
    books: &mut Books<'_>,
    event: &str,
    payout: &Payout,
) -> Result<(), sqlx::Error> {
    let data = json!({
        "payout_id": payout.id, "affiliate_id": payout.affiliate_id, "amount_minor": payout.amount_minor,
        "currency": payout.currency, "status": payout.status, "batch_id": payout.batch_id,
    });
    emit(books, event, data).await
}
