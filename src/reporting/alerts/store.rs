//! What each staff member asked to be alerted of: failed payments, and
//! total arrears above a sum (checked daily, told once a day at most).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::TenantTx;

/// One staff member's alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// Tell me when a payment fails.
    pub payment_failed: bool,
    /// Tell me (once a day) while total arrears are above this, in minor
    /// units of the association's currency; `null`: never.
    pub arrears_above_minor: Option<i64>,
}

pub async fn get(tx: &mut TenantTx, account_id: i64) -> Result<Alerts, sqlx::Error> {
    let row = sqlx::query_as!(
        Alerts,
        "SELECT payment_failed, arrears_above_minor FROM report_alerts WHERE account_id = $1",
        account_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.unwrap_or_default())
}

pub async fn save(tx: &mut TenantTx, account_id: i64, alerts: &Alerts) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO report_alerts (account_id, payment_failed, arrears_above_minor)
         VALUES ($1, $2, $3)
         ON CONFLICT (account_id) DO UPDATE
         SET payment_failed = $2, arrears_above_minor = $3, arrears_alerted_on = NULL, updated_at = now()",
        account_id,
        alerts.payment_failed,
        alerts.arrears_above_minor
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Who wants to hear of failed payments.
pub async fn payment_failed_subscribers(tx: &mut TenantTx) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT account_id FROM report_alerts WHERE payment_failed ORDER BY account_id"
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Who has an arrears threshold at or below `due_minor` and was not told
/// on `today`; they are marked told.
pub async fn take_arrears_subscribers(
    tx: &mut TenantTx,
    due_minor: i64,
    today: chrono::NaiveDate,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE report_alerts SET arrears_alerted_on = $2
         WHERE arrears_above_minor IS NOT NULL AND arrears_above_minor < $1
           AND arrears_alerted_on IS DISTINCT FROM $2
         RETURNING account_id",
        due_minor,
        today
    )
    .fetch_all(tx.conn().await?)
    .await
}
