//! Each member's account with the association, append-only (a trigger
//! refuses UPDATE and DELETE): a charge is positive (owed), a payment or a
//! credit negative; a refund or a correction is a new line. The balance is
//! the sum: positive, the member owes; negative, the association does.

use chrono::{DateTime, Utc};

use super::model::LedgerKind;
use crate::db::TenantTx;
use crate::model::{Amount, Currency};

/// A line to append. `amount` is signed as the ledger reads it.
pub struct Line<'a> {
    pub account_id: i64,
    pub kind: LedgerKind,
    pub amount: Amount,
    pub membership_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub memo: &'a str,
    pub recorded_by: Option<i64>,
}

pub async fn append(tx: &mut TenantTx, line: Line<'_>) -> Result<(), sqlx::Error> {
    if line.amount.is_zero() {
        return Ok(());
    }
    let currency = line.amount.currency();
    sqlx::query!(
        "INSERT INTO ledger_entries (account_id, kind, amount_minor, currency, membership_id, payment_id, memo, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        line.account_id,
        line.kind.as_str(),
        line.amount.minor(),
        currency.code(),
        line.membership_id,
        line.payment_id,
        line.memo,
        line.recorded_by
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// One line as people read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    pub id: i64,
    pub kind: LedgerKind,
    pub amount: Amount,
    pub membership_id: Option<i64>,
    pub payment_id: Option<i64>,
    pub memo: String,
    pub at: DateTime<Utc>,
    /// The balance after this line.
    pub balance: Amount,
}

/// What `account_id` owes (positive) or is owed (negative), in `currency`.
pub async fn balance(
    tx: &mut TenantTx,
    account_id: i64,
    currency: Currency,
) -> Result<Amount, sqlx::Error> {
    let minor: i64 = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_minor), 0)::bigint AS "minor!" FROM ledger_entries
           WHERE account_id = $1 AND currency = $2"#,
        account_id,
        currency.code()
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Amount::new(minor, currency).unwrap_or(Amount::zero(currency)))
}

/// Every line of `account_id`, oldest first, with the running balance.
pub async fn history(tx: &mut TenantTx, account_id: i64) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, kind, amount_minor, currency, membership_id, payment_id, memo, at,
                  sum(amount_minor) OVER (PARTITION BY currency ORDER BY at, id)::bigint AS "running!"
           FROM ledger_entries WHERE account_id = $1 ORDER BY at, id"#,
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let currency = Currency::parse(&row.currency).ok()?;
            Some(Entry {
                id: row.id,
                kind: row.kind.parse().ok()?,
                amount: Amount::new(row.amount_minor, currency)?,
                membership_id: row.membership_id,
                payment_id: row.payment_id,
                memo: row.memo,
                at: row.at,
                balance: Amount::new(row.running, currency)?,
            })
        })
        .collect())
}

/// A member's balance, for the treasurer's list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Balance {
    pub account_id: i64,
    pub display_name: String,
    pub email: String,
    pub balance: Amount,
}

/// Members whose balance is not zero, those who owe most first; with
/// `owing_only`, only those who owe.
pub async fn balances(
    tx: &mut TenantTx,
    currency: Currency,
    owing_only: bool,
    limit: i64,
) -> Result<Vec<Balance>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT a.id, a.display_name, a.email, b.minor AS "minor!"
           FROM (SELECT account_id, sum(amount_minor)::bigint AS minor FROM ledger_entries
                 WHERE currency = $1 GROUP BY account_id) b
           JOIN accounts a ON a.id = b.account_id
           WHERE b.minor <> 0 AND (NOT $2 OR b.minor > 0)
           ORDER BY b.minor DESC, a.display_name LIMIT $3"#,
        currency.code(),
        owing_only,
        limit.clamp(1, 1000)
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Balance {
                account_id: row.id,
                display_name: row.display_name,
                email: row.email,
                balance: Amount::new(row.minor, currency)?,
            })
        })
        .collect())
}
