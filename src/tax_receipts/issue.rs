//! Issuing tax receipts: for one gift (a payment), or for the year's gifts
//! of one donor (« cumul », what members paying by debit or card get in
//! January), or for every donor of a year at once. A payment is covered by
//! one live receipt at most. Order numbers come from the year's counter
//! row, incremented in the issuing transaction (concurrent issuers wait on
//! its lock; a rolled-back issue gives its number back), so a year's
//! numbers are exactly 1..n. A wrong receipt is cancelled — it keeps its
//! number — and a new one issued for what still qualifies.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde_json::json;

use super::declaration;
use super::store::{self, TaxReceipt};
use crate::audit::{self, Entry};
use crate::contributions::tax_basis::{self, Qualifying};
use crate::db::TenantTx;
use crate::error::Refusal;

/// The receipt of one payment.
pub async fn for_gift(
    tx: &mut TenantTx,
    payment_id: i64,
    by: Option<i64>,
) -> Result<TaxReceipt, Refusal> {
    declaration::enabled(tx).await?;
    let payment = crate::contributions::payments::find(tx, payment_id)
        .await?
        .ok_or(Refusal::NotFound("payment"))?;
    let day = payment.received_on;
    let qualifying: Vec<Qualifying> = tax_basis::qualifying(tx, Some(payment.payer_id), day, day)
        .await?
        .into_iter()
        .filter(|q| q.payment_id == payment_id)
        .collect();
    if qualifying.is_empty() {
        return Err(Refusal::invalid(
            "payment_id",
            "not-qualifying",
            "nothing of this payment qualifies (no receiptable plan or gift, or refunded)",
        ));
    }
    write(
        tx,
        "gift",
        payment.payer_id,
        day.year(),
        &qualifying,
        None,
        by,
    )
    .await
}

/// The receipt of `account_id`'s gifts received in `tax_year` that no
/// live receipt covers yet.
pub async fn for_year(
    tx: &mut TenantTx,
    account_id: i64,
    tax_year: i32,
    by: Option<i64>,
) -> Result<TaxReceipt, Refusal> {
    declaration::enabled(tx).await?;
    let (from, to) = year_bounds(tax_year)?;
    let all = tax_basis::qualifying(tx, Some(account_id), from, to).await?;
    let open = uncovered(tx, all).await?;
    if open.is_empty() {
        return Err(Refusal::conflict(
            "nothing-to-receipt",
            "no gift of that year is left without a receipt",
        ));
    }
    write(tx, "yearly", account_id, tax_year, &open, None, by).await
}

/// Yearly receipts for every donor of `tax_year` with gifts not yet
/// covered; how many were issued.
pub async fn for_year_all(
    tx: &mut TenantTx,
    tax_year: i32,
    by: Option<i64>,
) -> Result<usize, Refusal> {
    declaration::enabled(tx).await?;
    let (from, to) = year_bounds(tax_year)?;
    let all = tax_basis::qualifying(tx, None, from, to).await?;
    let open = uncovered(tx, all).await?;
    let donors: BTreeSet<i64> = open.iter().map(|q| q.account_id).collect();
    for account_id in &donors {
        let theirs: Vec<Qualifying> = open
            .iter()
            .filter(|q| q.account_id == *account_id)
            .cloned()
            .collect();
        write(tx, "yearly", *account_id, tax_year, &theirs, None, by).await?;
    }
    Ok(donors.len())
}

/// Cancels a receipt (it keeps its number) and issues its replacement for
/// what still qualifies, if anything does.
pub async fn cancel_and_reissue(
    tx: &mut TenantTx,
    receipt_id: i64,
    reason: &str,
    by: i64,
) -> Result<Option<TaxReceipt>, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 300 {
        return Err(Refusal::invalid(
            "reason",
            "reason",
            "give a reason of at most 300 characters",
        ));
    }
    let row = sqlx::query!(
        "UPDATE tax_receipts SET cancelled_at = now(), cancel_reason = $2
         WHERE id = $1 AND cancelled_at IS NULL RETURNING kind, account_id, tax_year",
        receipt_id,
        reason
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else {
        return Err(match store::find(tx, receipt_id).await? {
            Some(_) => Refusal::conflict("cancelled", "this receipt is already cancelled"),
            None => Refusal::NotFound("tax receipt"),
        });
    };
    let covered = sqlx::query_scalar!(
        "UPDATE tax_receipt_lines SET live = false WHERE receipt_id = $1 RETURNING payment_id",
        receipt_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let entry = Entry::new("tax_receipts.cancelled")
        .by(Some(by))
        .on(row.account_id)
        .with(json!({ "receipt": receipt_id, "reason": reason }));
    audit::record(tx, entry).await?;
    let (from, to) = year_bounds(row.tax_year)?;
    let still: Vec<Qualifying> = tax_basis::qualifying(tx, Some(row.account_id), from, to)
        .await?
        .into_iter()
        .filter(|q| covered.contains(&q.payment_id))
        .collect();
    let still = uncovered(tx, still).await?;
    if still.is_empty() {
        return Ok(None);
    }
    let kind = if row.kind == "gift" { "gift" } else { "yearly" };
    let replacement = write(
        tx,
        kind,
        row.account_id,
        row.tax_year,
        &still,
        Some(receipt_id),
        Some(by),
    )
    .await?;
    Ok(Some(replacement))
}

fn year_bounds(tax_year: i32) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let bad = || Refusal::invalid("year", "year", "a year such as 2026");
    if !(2000..=2100).contains(&tax_year) {
        return Err(bad());
    }
    let from = NaiveDate::from_ymd_opt(tax_year, 1, 1).ok_or_else(bad)?;
    let to = NaiveDate::from_ymd_opt(tax_year, 12, 31).ok_or_else(bad)?;
    Ok((from, to))
}

/// The payments no live receipt covers yet.
async fn uncovered(
    tx: &mut TenantTx,
    all: Vec<Qualifying>,
) -> Result<Vec<Qualifying>, sqlx::Error> {
    let ids: Vec<i64> = all.iter().map(|q| q.payment_id).collect();
    let covered = sqlx::query_scalar!(
        "SELECT payment_id FROM tax_receipt_lines WHERE live AND payment_id = ANY($1)",
        &ids
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(all
        .into_iter()
        .filter(|q| !covered.contains(&q.payment_id))
        .collect())
}

/// Numbers and writes a receipt covering `gifts`.
async fn write(
    tx: &mut TenantTx,
    kind: &str,
    account_id: i64,
    tax_year: i32,
    gifts: &[Qualifying],
    replaces: Option<i64>,
    by: Option<i64>,
) -> Result<TaxReceipt, Refusal> {
    let donor = crate::accounts::store::find(tx, account_id)
        .await?
        .ok_or(Refusal::NotFound("account"))?;
    let address = [
        donor.address.street.clone(),
        donor.address.postal_code.clone(),
        donor.address.town.clone(),
        donor.address.country.clone(),
    ]
    .into_iter()
    .flatten()
    .filter(|part| !part.trim().is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let total: i64 = gifts.iter().map(|q| q.amount_minor).sum();
    let first_on = gifts
        .iter()
        .map(|q| q.received_on)
        .min()
        .ok_or(Refusal::NotFound("gift"))?;
    let last_on = gifts
        .iter()
        .map(|q| q.received_on)
        .max()
        .unwrap_or(first_on);
    let methods: Vec<String> = gifts
        .iter()
        .map(|q| q.method.as_str().to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let year: i32 = sqlx::query_scalar!(r#"SELECT extract(year FROM now())::int AS "year!""#)
        .fetch_one(tx.conn().await?)
        .await?;
    let number = sqlx::query_scalar!(
        "INSERT INTO tax_receipt_counters (year, last_number) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last_number = tax_receipt_counters.last_number + 1
         RETURNING last_number",
        year
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let id = sqlx::query_scalar!(
        "INSERT INTO tax_receipts (year, number, kind, tax_year, account_id, donor_name, donor_address,
                                   amount_minor, first_on, last_on, methods, issued_by, replaces_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        year,
        number,
        kind,
        tax_year,
        account_id,
        donor.display_name,
        address,
        total,
        first_on,
        last_on,
        &methods,
        by,
        replaces
    )
    .fetch_one(tx.conn().await?)
    .await?;
    for gift in gifts {
        sqlx::query!(
            "INSERT INTO tax_receipt_lines (receipt_id, payment_id, amount_minor) VALUES ($1, $2, $3)",
            id,
            gift.payment_id,
            gift.amount_minor
        )
        .execute(tx.conn().await?)
        .await
        .map_err(|error| match &error {
            sqlx::Error::Database(db) if db.constraint() == Some("tax_receipt_lines_live_key") => {
                Refusal::conflict("already-receipted", "this gift already has a tax receipt")
            }
            _ => Refusal::Database(error),
        })?;
    }
    // Its PDF is rendered, stored and mailed to the donor by the queue.
    super::render::enqueue(tx, id).await?;
    let entry = Entry::new("tax_receipts.issued")
        .by(by)
        .on(account_id)
        .with(json!({ "receipt": id, "kind": kind, "tax_year": tax_year, "amount_minor": total }));
    audit::record(tx, entry).await?;
    store::find(tx, id)
        .await?
        .ok_or(Refusal::NotFound("tax receipt"))
}
