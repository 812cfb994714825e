//! A recurrent mandate lapses after 36 months without a collection
//! presented, counted from the due date of the last one (even if it was
//! rejected or refunded), or from its signature when never used. A
//! mandate started on the portal and never signed is dropped after a day.

use chrono::{Months, NaiveDate};

use crate::db::TenantTx;

pub const EXPIRY_MONTHS: u32 = 36;

/// Marks the lapsed mandates expired on `today` (how many), and drops
/// those never signed.
pub async fn expire_unused(tx: &mut TenantTx, today: NaiveDate) -> Result<u64, sqlx::Error> {
    let Some(limit) = today.checked_sub_months(Months::new(EXPIRY_MONTHS)) else {
        return Ok(0);
    };
    let done = sqlx::query!(
        "UPDATE sdd_mandates SET status = 'expired', ended_at = now(),
                end_reason = 'unused for 36 months'
         WHERE status = 'active' AND coalesce(last_collected_on, signed_on) < $1",
        limit
    )
    .execute(tx.conn().await?)
    .await?;
    sqlx::query!(
        "UPDATE sdd_mandates SET status = 'cancelled', ended_at = now(), end_reason = 'never signed',
                code_hash = NULL, code_expires_at = NULL
         WHERE status = 'unsigned' AND created_at < now() - interval '1 day'"
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected())
}
