//! What becomes of a pending payment: it arrives ([`mark_paid`]), it will
//! not come ([`mark_failed`]), or it is presented again ([`set_attempt`]:
//! a direct debit retried after a reject keeps its member in grace).

use serde_json::json;

use super::record::settle;
use super::{Payment, find};
use crate::audit::{self, Entry};
use crate::contributions::error::Error;
use crate::db::TenantTx;
use crate::model::Amount;

/// A pending payment arrived (a transfer seen on the statement, a retried
/// card that went through).
pub async fn mark_paid(
    tx: &mut TenantTx,
    payment_id: i64,
    by: Option<i64>,
) -> Result<Payment, Error> {
    let row = sqlx::query!(
        "UPDATE payments SET status = 'paid', paid_at = now() WHERE id = $1 AND status = 'pending'
         RETURNING payer_id, amount_minor, currency",
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else {
        return Err(pending_or_missing(tx, payment_id).await);
    };
    let currency =
        crate::model::Currency::parse(&row.currency).map_err(|e| Error::money("currency", e))?;
    let amount = Amount::new(row.amount_minor, currency)
        .ok_or_else(|| Error::invalid("amount", "too-large", "amount too large"))?;
    settle(tx, payment_id, row.payer_id, amount, by).await?;
    audit::record(
        tx,
        Entry::new("contributions.payment.paid")
            .by(by)
            .on(row.payer_id)
            .with(json!({ "payment": payment_id })),
    )
    .await?;
    let found = find(tx, payment_id).await?;
    super::live::announced(tx, found, crate::live::PaymentChange::Paid, None).await
}

/// [`mark_paid`], for money that arrived on `received_on` (a card payment
/// confirmed days after it was started): the day its receipt bears.
pub async fn mark_paid_on(
    tx: &mut TenantTx,
    payment_id: i64,
    received_on: chrono::NaiveDate,
    by: Option<i64>,
) -> Result<Payment, Error> {
    sqlx::query!(
        "UPDATE payments SET received_on = $2 WHERE id = $1 AND status = 'pending'",
        payment_id,
        received_on
    )
    .execute(tx.conn().await?)
    .await?;
    mark_paid(tx, payment_id, by).await
}

/// Records the provider's own id of a payment (known once the provider
/// created it), unique per provider.
pub async fn link_provider(
    tx: &mut TenantTx,
    payment_id: i64,
    provider: &str,
    provider_ref: &str,
) -> Result<(), Error> {
    sqlx::query!(
        "UPDATE payments SET provider = $2, provider_ref = $3 WHERE id = $1",
        payment_id,
        provider,
        provider_ref
    )
    .execute(tx.conn().await?)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("payments_provider_key") => {
            Error::conflict(
                "duplicate-provider-payment",
                "this provider payment is already recorded",
            )
        }
        _ => Error::Database(error),
    })?;
    Ok(())
}

/// A pending payment will not come (a bounced transfer, a card given up).
pub async fn mark_failed(
    tx: &mut TenantTx,
    payment_id: i64,
    by: Option<i64>,
) -> Result<Payment, Error> {
    let row = sqlx::query!(
        "UPDATE payments SET status = 'failed' WHERE id = $1 AND status = 'pending' RETURNING payer_id",
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else {
        return Err(pending_or_missing(tx, payment_id).await);
    };
    audit::record(
        tx,
        Entry::new("contributions.payment.failed")
            .by(by)
            .on(row.payer_id)
            .with(json!({ "payment": payment_id })),
    )
    .await?;
    // Treasurers who asked are told, in this transaction.
    crate::reporting::alerts::fire::payment_failed(tx, payment_id).await?;
    find(tx, payment_id)
        .await?
        .ok_or(Error::NotFound("payment"))
}

async fn pending_or_missing(tx: &mut TenantTx, payment_id: i64) -> Error {
    match find(tx, payment_id).await {
        Ok(Some(_)) => Error::conflict("not-pending", "only a pending payment can change this way"),
        Ok(None) => Error::NotFound("payment"),
        Err(error) => Error::Database(error),
    }
}

/// Marks a pending payment as the `attempt`-th presentation of its dues
/// (2 and more: a retry, which keeps its memberships in grace).
pub async fn set_attempt(tx: &mut TenantTx, payment_id: i64, attempt: u8) -> Result<(), Error> {
    let updated = sqlx::query!(
        "UPDATE payments SET attempt = $2 WHERE id = $1 AND status = 'pending'",
        payment_id,
        i16::from(attempt.clamp(1, 10))
    )
    .execute(tx.conn().await?)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(pending_or_missing(tx, payment_id).await);
    }
    Ok(())
}
