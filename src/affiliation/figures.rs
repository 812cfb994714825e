//! Figures of the association's referral programmes for dashboards:
//! clicks on its links, the people they brought (referrals not rejected)
//! and those of them who paid (a sale line not voided), since a date.

use chrono::{DateTime, Utc};

use super::books::Books;
use crate::db::TenantTx;

/// From a click to a paying member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Funnel {
    pub clicks: i64,
    pub sign_ups: i64,
    pub paying: i64,
}

/// The tenant's funnel since `since`, in one statement.
pub async fn funnel(tx: &mut TenantTx, since: DateTime<Utc>) -> Result<Funnel, sqlx::Error> {
    let mut books = Books::tenant(tx);
    let row = sqlx::query!(
        r#"WITH referred AS (
               SELECT id FROM aff_referrals WHERE status <> 'rejected' AND created_at >= $1)
           SELECT (SELECT count(*) FROM aff_clicks WHERE at >= $1) AS "clicks!",
                  (SELECT count(*) FROM referred) AS "sign_ups!",
                  (SELECT count(DISTINCT l.referral_id) FROM aff_lines l
                   JOIN referred r ON r.id = l.referral_id
                   WHERE l.stage = 'sale' AND l.status <> 'void') AS "paying!""#,
        since
    )
    .fetch_one(books.conn().await?)
    .await?;
    Ok(Funnel {
        clicks: row.clicks,
        sign_ups: row.sign_ups,
        paying: row.paying,
    })
}
