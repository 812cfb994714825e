//! The ceiling of « low-value » counterparts (a badge, a magazine, a
//! ticket) a donor may receive in a year without losing the reduction,
//! kept as dated configuration: the law revalues it every five years, so
//! the one in force on a date is the latest that started on or before it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::Refusal;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub valid_from: NaiveDate,
    /// Euro cents.
    pub cap_minor: i64,
    /// Where the figure comes from.
    #[serde(default)]
    pub note: String,
}

/// Every cap, latest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Cap>, sqlx::Error> {
    sqlx::query_as!(
        Cap,
        "SELECT valid_from, cap_minor, note FROM tax_receipt_caps ORDER BY valid_from DESC"
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// The cap in force on `day`.
pub async fn on(tx: &mut TenantTx, day: NaiveDate) -> Result<Option<Cap>, sqlx::Error> {
    sqlx::query_as!(
        Cap,
        "SELECT valid_from, cap_minor, note FROM tax_receipt_caps
         WHERE valid_from <= $1 ORDER BY valid_from DESC LIMIT 1",
        day
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Records a cap from its date (a revaluation), or corrects the one of
/// that date.
pub async fn set(tx: &mut TenantTx, cap: &Cap, by: i64) -> Result<Cap, Refusal> {
    if cap.cap_minor <= 0 || cap.cap_minor > 10_000_000 {
        return Err(Refusal::invalid(
            "cap_minor",
            "amount",
            "a positive amount of at most 100,000 €",
        ));
    }
    let note: String = cap.note.trim().chars().take(200).collect();
    sqlx::query!(
        "INSERT INTO tax_receipt_caps (valid_from, cap_minor, note) VALUES ($1, $2, $3)
         ON CONFLICT (valid_from) DO UPDATE SET cap_minor = $2, note = $3",
        cap.valid_from,
        cap.cap_minor,
        note
    )
    .execute(tx.conn().await?)
    .await?;
    let entry = Entry::new("tax_receipts.cap.set")
        .by(Some(by))
        .with(json!({ "valid_from": cap.valid_from, "cap_minor": cap.cap_minor }));
    audit::record(tx, entry).await?;
    Ok(Cap {
        note,
        ..cap.clone()
    })
}
