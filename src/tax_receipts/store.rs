//! Reading tax receipts back: one, a list, and the yearly declaration
//! (art. 222 bis CGI: how many receipts, and their total, for the gifts
//! of a calendar year; cancelled ones do not count).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::TenantTx;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaxReceipt {
    pub id: i64,
    /// The order number as printed: `2027-000042`.
    pub reference: String,
    pub year: i32,
    pub number: i32,
    /// `gift` (one payment) or `yearly` (the year's gifts of one donor).
    pub kind: String,
    /// The year of the gifts it covers.
    pub tax_year: i32,
    pub account_id: i64,
    pub donor_name: String,
    pub donor_address: String,
    /// Euro cents.
    pub amount_minor: i64,
    pub first_on: NaiveDate,
    pub last_on: NaiveDate,
    pub methods: Vec<String>,
    pub issued_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub replaces_id: Option<i64>,
}

/// Which receipts to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub account_id: Option<i64>,
    pub tax_year: Option<i32>,
    pub limit: i64,
}

pub async fn list(tx: &mut TenantTx, filter: &Filter) -> Result<Vec<TaxReceipt>, sqlx::Error> {
    select(tx, None, filter).await
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<TaxReceipt>, sqlx::Error> {
    let filter = Filter {
        limit: 1,
        ..Filter::default()
    };
    Ok(select(tx, Some(id), &filter).await?.pop())
}

async fn select(
    tx: &mut TenantTx,
    id: Option<i64>,
    filter: &Filter,
) -> Result<Vec<TaxReceipt>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, year, number, kind, tax_year, account_id, donor_name, donor_address, amount_minor,
                first_on, last_on, methods, issued_at, cancelled_at, cancel_reason, replaces_id
         FROM tax_receipts
         WHERE ($1::bigint IS NULL OR id = $1)
           AND ($2::bigint IS NULL OR account_id = $2)
           AND ($3::int IS NULL OR tax_year = $3)
         ORDER BY year DESC, number DESC
         LIMIT $4",
        id,
        filter.account_id,
        filter.tax_year,
        filter.limit.clamp(1, 5000)
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| TaxReceipt {
            id: row.id,
            reference: format!("{}-{:06}", row.year, row.number),
            year: row.year,
            number: row.number,
            kind: row.kind,
            tax_year: row.tax_year,
            account_id: row.account_id,
            donor_name: row.donor_name,
            donor_address: row.donor_address,
            amount_minor: row.amount_minor,
            first_on: row.first_on,
            last_on: row.last_on,
            methods: row.methods,
            issued_at: row.issued_at,
            cancelled_at: row.cancelled_at,
            cancel_reason: row.cancel_reason,
            replaces_id: row.replaces_id,
        })
        .collect())
}

/// The yearly declaration's two figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Declared {
    pub tax_year: i32,
    /// Receipts issued and not cancelled.
    pub receipts: i64,
    /// Their total, euro cents.
    pub total_minor: i64,
}

pub async fn declared(tx: &mut TenantTx, tax_year: i32) -> Result<Declared, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT count(*) AS "receipts!", coalesce(sum(amount_minor), 0)::bigint AS "total!"
           FROM tax_receipts WHERE tax_year = $1 AND cancelled_at IS NULL"#,
        tax_year
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Declared {
        tax_year,
        receipts: row.receipts,
        total_minor: row.total,
    })
}
