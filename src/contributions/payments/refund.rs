//! Refunds, full or partial: the payment keeps its amount and counts what
//! went back; the ledger gets a reversing line; the receipt is cancelled
//! and, when something is still paid, reissued for the rest.

use serde_json::json;

use super::{Payment, find};
use crate::audit::{self, Entry};
use crate::contributions::error::Error;
use crate::contributions::ledger::{self, Line};
use crate::contributions::model::{LedgerKind, PaymentStatus};
use crate::contributions::{earmarks, receipts};
use crate::db::TenantTx;
use crate::model::Amount;

pub async fn refund(
    tx: &mut TenantTx,
    payment_id: i64,
    amount: Amount,
    reason: &str,
    by: Option<i64>,
) -> Result<Payment, Error> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(Error::invalid(
            "reason",
            "reason",
            "give a reason of at most 300 characters",
        ));
    }
    if !amount.is_positive() {
        return Err(Error::invalid(
            "amount",
            "positive",
            "the amount must be above zero",
        ));
    }
    // Locks the payment: two refunds of one payment run one after the other.
    let row = sqlx::query!(
        "SELECT payer_id, amount_minor, refunded_minor, currency, status FROM payments WHERE id = $1 FOR UPDATE",
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Error::NotFound("payment"))?;
    if row.status != PaymentStatus::Paid.as_str() {
        return Err(Error::conflict(
            "not-refundable",
            "only a paid payment can be refunded",
        ));
    }
    if amount.currency().code() != row.currency {
        return Err(Error::invalid(
            "amount",
            "wrong-currency",
            format!("this payment is in {}", row.currency),
        ));
    }
    let left = row.amount_minor - row.refunded_minor;
    if amount.minor() > left {
        return Err(Error::invalid(
            "amount",
            "over-refund",
            "more than what is left to refund",
        ));
    }
    let whole = amount.minor() == left;
    sqlx::query!(
        "UPDATE payments SET refunded_minor = refunded_minor + $2,
                status = CASE WHEN $3 THEN 'refunded' ELSE status END
         WHERE id = $1",
        payment_id,
        amount.minor(),
        whole
    )
    .execute(tx.conn().await?)
    .await?;
    ledger::append(
        tx,
        Line {
            account_id: row.payer_id,
            kind: LedgerKind::Refund,
            amount,
            membership_id: None,
            payment_id: Some(payment_id),
            memo: reason,
            recorded_by: by,
        },
    )
    .await?;
    // A donation given back is a smaller gift: its line is reversed too.
    earmarks::refund_line(tx, payment_id, row.payer_id, amount, by).await?;
    let live = sqlx::query_scalar!(
        "SELECT id FROM receipts WHERE payment_id = $1 AND cancelled_at IS NULL",
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    if let Some(receipt_id) = live {
        receipts::cancel_and_reissue(tx, receipt_id, &format!("refund: {reason}"), by).await?;
    }
    // What the payment earned an affiliate is recomputed.
    crate::affiliation::tenant::payment_changed(tx, payment_id).await?;
    audit::record(
        tx,
        Entry::new("contributions.payment.refund")
            .by(by)
            .on(row.payer_id)
            .with(
                json!({ "payment": payment_id, "amount_minor": amount.minor(), "reason": reason }),
            ),
    )
    .await?;
    let found = find(tx, payment_id).await?;
    super::live::announced(
        tx,
        found,
        crate::live::PaymentChange::Refunded,
        Some(amount),
    )
    .await
}
