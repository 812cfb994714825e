//! What an affiliate and the staff read: clicks, referrals, conversions,
//! earnings by status, a month-by-month series, and the lines themselves.

use chrono::{DateTime, Utc};

use super::books::Books;
use super::model::{LineReward, LineStage, LineStatus, Side};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Earnings {
    pub held_minor: i64,
    pub pending_minor: i64,
    pub due_minor: i64,
    /// Due but already in a payout request.
    pub requested_minor: i64,
    pub paid_minor: i64,
    /// Rewards in kind given: free days and credits.
    pub free_days: i64,
    pub credits_minor: i64,
    pub donations_minor: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub clicks: i64,
    pub clicks_30_days: i64,
    pub referrals: i64,
    /// Referrals that paid at least once.
    pub conversions: i64,
    pub earnings: Earnings,
    /// Cash earned per month, oldest first, the last twelve months.
    pub months: Vec<Month>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Month {
    /// `2026-11`.
    pub month: String,
    pub earned_minor: i64,
}

pub async fn of_affiliate(books: &mut Books<'_>, affiliate_id: i64) -> Result<Stats, sqlx::Error> {
    let counts = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM aff_clicks c JOIN aff_links l ON l.id = c.link_id WHERE l.affiliate_id = $1) AS "clicks!",
             (SELECT count(*) FROM aff_clicks c JOIN aff_links l ON l.id = c.link_id
               WHERE l.affiliate_id = $1 AND c.at > now() - interval '30 days') AS "recent!",
             (SELECT count(*) FROM aff_referrals WHERE affiliate_id = $1) AS "referrals!",
             (SELECT count(DISTINCT referral_id) FROM aff_lines
               WHERE affiliate_id = $1 AND stage = 'sale' AND status <> 'void') AS "conversions!""#,
        affiliate_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    let sums = sqlx::query!(
        r#"SELECT status, reward, (payout_id IS NOT NULL) AS "in_payout!",
                  coalesce(sum(amount_minor), 0)::bigint AS "amount!", coalesce(sum(days), 0)::bigint AS "days!"
           FROM aff_lines WHERE affiliate_id = $1 AND side = 'referrer' AND status <> 'void'
           GROUP BY status, reward, payout_id IS NOT NULL"#,
        affiliate_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    let mut earnings = Earnings::default();
    for row in sums {
        let status: LineStatus = row.status.parse().unwrap_or(LineStatus::Void);
        match row.reward.parse().unwrap_or(LineReward::Cash) {
            LineReward::Cash => {
                let slot = match (status, row.in_payout) {
                    (LineStatus::Held, _) => &mut earnings.held_minor,
                    (LineStatus::Pending, _) => &mut earnings.pending_minor,
                    (LineStatus::Due, false) => &mut earnings.due_minor,
                    (LineStatus::Due, true) => &mut earnings.requested_minor,
                    (LineStatus::Paid, _) => &mut earnings.paid_minor,
                    (LineStatus::Void, _) => continue,
                };
                *slot += row.amount;
            }
            LineReward::FreeDays if status == LineStatus::Paid => earnings.free_days += row.days,
            LineReward::Credit if status == LineStatus::Paid => {
                earnings.credits_minor += row.amount
            }
            LineReward::Donation if status == LineStatus::Paid => {
                earnings.donations_minor += row.amount
            }
            _ => {}
        }
    }
    let months = sqlx::query!(
        r#"SELECT to_char(m, 'YYYY-MM') AS "month!",
                  coalesce((SELECT sum(amount_minor) FROM aff_lines
                            WHERE affiliate_id = $1 AND side = 'referrer' AND reward = 'cash' AND status <> 'void'
                              AND created_at >= m AND created_at < m + interval '1 month'), 0)::bigint AS "earned!"
           FROM generate_series(date_trunc('month', now()) - interval '11 months', date_trunc('month', now()), interval '1 month') AS m
           ORDER BY m"#,
        affiliate_id
    )
    .fetch_all(books.conn().await?)
    .await?
    .into_iter()
    .map(|r| Month {
        month: r.month,
        earned_minor: r.earned,
    })
    .collect();
    Ok(Stats {
        clicks: counts.clicks,
        clicks_30_days: counts.recent,
        referrals: counts.referrals,
        conversions: counts.conversions,
        earnings,
        months,
    })
}

/// Every click the owner's books hold.
pub async fn clicks_total(books: &mut Books<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM aff_clicks"#)
        .fetch_one(books.conn().await?)
        .await
}

/// One ledger line as people read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct LineView {
    pub id: i64,
    pub affiliate_id: i64,
    pub referral_id: Option<i64>,
    pub referred_name: Option<String>,
    pub payment_id: Option<i64>,
    pub stage: LineStage,
    pub side: Side,
    pub reward: LineReward,
    pub amount_minor: i64,
    pub days: i32,
    pub currency: String,
    pub status: LineStatus,
    pub due_at: DateTime<Utc>,
    pub payout_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

/// Lines of an affiliate (`Some`) or of a whole programme, newest first.
pub async fn lines(
    books: &mut Books<'_>,
    program_id: i64,
    affiliate_id: Option<i64>,
    limit: i64,
) -> Result<Vec<LineView>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT l.id, l.affiliate_id, l.referral_id, r.name AS "referred_name?", l.payment_id, l.stage, l.side,
                  l.reward, l.amount_minor, l.days, l.currency, l.status, l.due_at, l.payout_id, l.created_at
           FROM aff_lines l LEFT JOIN aff_referrals r ON r.id = l.referral_id
           WHERE l.program_id = $1 AND ($2::bigint IS NULL OR l.affiliate_id = $2)
           ORDER BY l.id DESC LIMIT $3"#,
        program_id,
        affiliate_id,
        limit
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| LineView {
            id: r.id,
            affiliate_id: r.affiliate_id,
            referral_id: r.referral_id,
            referred_name: r.referred_name,
            payment_id: r.payment_id,
            stage: r.stage.parse().unwrap_or(LineStage::Adjustment),
            side: r.side.parse().unwrap_or(Side::Referrer),
            reward: r.reward.parse().unwrap_or(LineReward::Cash),
            amount_minor: r.amount_minor,
            days: r.days,
            currency: r.currency,
            status: r.status.parse().unwrap_or(LineStatus::Void),
            due_at: r.due_at,
            payout_id: r.payout_id,
            created_at: r.created_at,
        })
        .collect())
}
