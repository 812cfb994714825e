//! Receipts issued over a period, as a stream (for reports): each with its
//! holder, its payment and whether it was cancelled, in number order.

use chrono::{DateTime, NaiveDate, Utc};
use futures::{Stream, StreamExt};
use sqlx::PgConnection;

use crate::model::{Amount, Currency};

#[derive(Debug, Clone)]
pub struct Issued {
    /// `2026-000042`.
    pub number: String,
    pub issued_at: DateTime<Utc>,
    pub account_id: i64,
    pub name: String,
    pub email: String,
    pub payment_id: i64,
    pub received_on: NaiveDate,
    pub method: String,
    pub amount: Amount,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// The number of the receipt this one replaces.
    pub replaces: Option<String>,
}

/// Receipts issued on `[from, to]` (UTC dates), by year and number.
pub fn issued<'c>(
    conn: &'c mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Stream<Item = Result<Issued, sqlx::Error>> + Send + 'c {
    sqlx::query!(
        r#"SELECT r.year, r.number, r.issued_at, r.account_id, a.display_name, a.email, r.payment_id,
                  p.received_on, p.method, r.amount_minor, r.currency, r.cancelled_at, r.cancel_reason,
                  o.year AS "replaces_year?", o.number AS "replaces_number?"
           FROM receipts r
           JOIN accounts a ON a.id = r.account_id
           JOIN payments p ON p.id = r.payment_id
           LEFT JOIN receipts o ON o.id = r.replaces_id
           WHERE (r.issued_at AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2
           ORDER BY r.year, r.number"#,
        from,
        to
    )
    .fetch(conn)
    .map(|row| {
        let row = row?;
        let currency = Currency::parse(&row.currency).map_err(|e| sqlx::Error::Decode(e.into()))?;
        let amount = Amount::new(row.amount_minor, currency)
            .ok_or_else(|| sqlx::Error::Decode("receipt amount out of range".into()))?;
        Ok(Issued {
            number: super::pdf::number_text(row.year, row.number),
            issued_at: row.issued_at,
            account_id: row.account_id,
            name: row.display_name,
            email: row.email,
            payment_id: row.payment_id,
            received_on: row.received_on,
            method: row.method,
            amount,
            cancelled_at: row.cancelled_at,
            cancel_reason: row.cancel_reason,
            replaces: row
                .replaces_year
                .zip(row.replaces_number)
                .map(|(year, number)| super::pdf::number_text(year, number)),
        })
    })
}

/// The receipts made out to `account_id` (cancelled ones too), by number:
/// `(id, "2026-000042")`.
pub async fn of_account(
    tx: &mut crate::db::TenantTx,
    account_id: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, year, number FROM receipts WHERE account_id = $1 ORDER BY year, number",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, format!("{}-{:06}", r.year, r.number)))
        .collect())
}
