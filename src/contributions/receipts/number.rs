//! Gapless receipt numbers. The year's counter row is incremented in the
//! transaction that issues the receipt: concurrent issuers wait on its row
//! lock, and a rolled-back transaction gives its number back, so the
//! numbers of a year are exactly 1..n. Rendering the PDF is a job
//! (`receipts.render`) enqueued in the same transaction.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::audit::{self, Entry};
use crate::contributions::error::Error;
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

/// The job kind that renders and stores a receipt's PDF.
pub const RENDER_JOB: &str = "receipts.render";

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Receipt {
    pub id: i64,
    pub year: i32,
    pub number: i32,
    pub payment_id: i64,
    pub account_id: i64,
    pub amount: Amount,
    pub issued_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub replaces_id: Option<i64>,
    pub storage_key: Option<String>,
}

impl Receipt {
    /// `2026-000042`: what is printed and what people quote.
    pub fn reference(&self) -> String {
        format!("{}-{:06}", self.year, self.number)
    }
}

/// Issues the receipt of a paid payment, for what was not refunded.
pub async fn issue(tx: &mut TenantTx, payment_id: i64) -> Result<Receipt, Error> {
    issue_replacing(tx, payment_id, None).await
}

async fn issue_replacing(
    tx: &mut TenantTx,
    payment_id: i64,
    replaces: Option<i64>,
) -> Result<Receipt, Error> {
    let payment = sqlx::query!(
        "SELECT payer_id, amount_minor - refunded_minor AS net, currency, status FROM payments WHERE id = $1",
        payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Error::NotFound("payment"))?;
    let net = payment.net.unwrap_or(0);
    if payment.status != "paid" || net <= 0 {
        return Err(Error::conflict(
            "not-receiptable",
            "only what was paid and not refunded gets a receipt",
        ));
    }
    let year: i32 = sqlx::query_scalar!(r#"SELECT extract(year FROM now())::int AS "year!""#)
        .fetch_one(tx.conn().await?)
        .await?;
    let number = sqlx::query_scalar!(
        "INSERT INTO receipt_counters (year, last_number) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last_number = receipt_counters.last_number + 1
         RETURNING last_number",
        year
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let row = sqlx::query!(
        "INSERT INTO receipts (year, number, payment_id, account_id, amount_minor, currency, replaces_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, issued_at",
        year,
        number,
        payment_id,
        payment.payer_id,
        net,
        payment.currency,
        replaces
    )
    .fetch_one(tx.conn().await?)
    .await
    .map_err(|error| match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("receipts_live_payment_key") => {
            Error::conflict("already-receipted", "this payment already has a receipt")
        }
        _ => Error::Database(error),
    })?;
    let currency = Currency::parse(&payment.currency).map_err(|e| Error::money("currency", e))?;
    super::render::enqueue(tx, row.id).await?;
    Ok(Receipt {
        id: row.id,
        year,
        number,
        payment_id,
        account_id: payment.payer_id,
        amount: Amount::new(net, currency)
            .ok_or_else(|| Error::invalid("amount", "too-large", "amount too large"))?,
        issued_at: row.issued_at,
        cancelled_at: None,
        replaces_id: replaces,
        storage_key: None,
    })
}

/// Cancels a receipt (it keeps its number and its stored PDF; a copy with
/// a watermark is rendered beside it) and issues a new one when something is still paid.
pub async fn cancel_and_reissue(
    tx: &mut TenantTx,
    receipt_id: i64,
    reason: &str,
    by: Option<i64>,
) -> Result<Option<Receipt>, Error> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(Error::invalid(
            "reason",
            "reason",
            "give a reason of at most 300 characters",
        ));
    }
    let cancelled = sqlx::query!(
        "UPDATE receipts SET cancelled_at = now(), cancel_reason = $2
         WHERE id = $1 AND cancelled_at IS NULL RETURNING payment_id, account_id",
        receipt_id,
        reason
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .ok_or(Error::NotFound("receipt"))?;
    super::render::enqueue(tx, receipt_id).await?;
    let net: i64 = sqlx::query_scalar!(
        r#"SELECT amount_minor - refunded_minor AS "net!" FROM payments WHERE id = $1 AND status = 'paid'"#,
        cancelled.payment_id
    )
    .fetch_optional(tx.conn().await?)
    .await?
    .unwrap_or(0);
    let replacement = if net > 0 {
        Some(issue_replacing(tx, cancelled.payment_id, Some(receipt_id)).await?)
    } else {
        None
    };
    let entry = Entry::new("contributions.receipt.cancel").by(by).on(cancelled.account_id).with(json!({
        "receipt": receipt_id, "reason": reason, "replacement": replacement.as_ref().map(|r| r.id)
    }));
    audit::record(tx, entry).await?;
    Ok(replacement)
}
