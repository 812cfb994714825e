//! The fraud review queue. A flagged referral waits here with its lines
//! held; staff approve it (the lines go on maturing), reject it (they are
//! void) or leave it: at its deadline the hold releases by itself, so a
//! busy treasurer never costs an honest affiliate their reward.

use chrono::{DateTime, Duration, Utc};

use super::books::Books;
use super::error::Error;
use super::model::ReviewStatus;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Review {
    pub id: i64,
    pub referral_id: i64,
    pub affiliate_id: i64,
    pub affiliate_name: String,
    pub referred_name: String,
    pub reasons: Vec<String>,
    pub status: ReviewStatus,
    pub hold_until: DateTime<Utc>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Sends a referral to review (once: a referral already reviewed keeps
/// its decision) and holds its lines not yet paid.
pub async fn open(
    books: &mut Books<'_>,
    referral_id: i64,
    reasons: &[String],
    review_days: i32,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let hold_until = now + Duration::days(i64::from(review_days));
    let opened = sqlx::query!(
        "INSERT INTO aff_reviews (referral_id, reasons, hold_until) VALUES ($1, $2, $3)
         ON CONFLICT (referral_id) DO NOTHING",
        referral_id,
        reasons,
        hold_until
    )
    .execute(books.conn().await?)
    .await?
    .rows_affected()
        == 1;
    if opened {
        sqlx::query!(
            "UPDATE aff_referrals SET status = 'review' WHERE id = $1",
            referral_id
        )
        .execute(books.conn().await?)
        .await?;
        sqlx::query!(
            "UPDATE aff_lines SET status = 'held' WHERE referral_id = $1 AND status IN ('pending', 'due') AND payout_id IS NULL",
            referral_id
        )
        .execute(books.conn().await?)
        .await?;
    }
    Ok(opened)
}

pub async fn list(
    books: &mut Books<'_>,
    program_id: i64,
    open_only: bool,
) -> Result<Vec<Review>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT v.id, v.referral_id, r.affiliate_id, a.name AS affiliate_name, r.name AS referred_name,
                v.reasons, v.status, v.hold_until, v.note, v.created_at
         FROM aff_reviews v JOIN aff_referrals r ON r.id = v.referral_id JOIN aff_affiliates a ON a.id = r.affiliate_id
         WHERE r.program_id = $1 AND (NOT $2 OR v.status = 'open')
         ORDER BY v.status = 'open' DESC, v.hold_until, v.id LIMIT 200",
        program_id,
        open_only
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Review {
            id: r.id,
            referral_id: r.referral_id,
            affiliate_id: r.affiliate_id,
            affiliate_name: r.affiliate_name,
            referred_name: r.referred_name,
            reasons: r.reasons,
            status: r.status.parse().unwrap_or(ReviewStatus::Open),
            hold_until: r.hold_until,
            note: r.note,
            created_at: r.created_at,
        })
        .collect())
}

/// Staff decide an open review of `program_id`.
pub async fn decide(
    books: &mut Books<'_>,
    program_id: i64,
    id: i64,
    approve: bool,
    note: &str,
    by: Option<i64>,
) -> Result<i64, Error> {
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(Error::invalid("note", "too-long", "at most 500 characters"));
    }
    let status = if approve {
        ReviewStatus::Approved
    } else {
        ReviewStatus::Rejected
    };
    let referral_id = sqlx::query_scalar!(
        "UPDATE aff_reviews v SET status = $3, decided_at = now(), decided_by = $4, note = nullif($5, '')
         FROM aff_referrals r
         WHERE v.id = $1 AND r.id = v.referral_id AND r.program_id = $2 AND v.status = 'open'
         RETURNING v.referral_id",
        id,
        program_id,
        status.as_str(),
        by,
        note
    )
    .fetch_optional(books.conn().await?)
    .await?
    .ok_or(Error::NotFound("open review"))?;
    settle(books, referral_id, approve).await?;
    Ok(referral_id)
}

/// Releases the holds whose deadline passed undecided; returns how many.
pub async fn release_expired(
    books: &mut Books<'_>,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let released = sqlx::query_scalar!(
        "UPDATE aff_reviews SET status = 'released', decided_at = $1
         WHERE status = 'open' AND hold_until <= $1 RETURNING referral_id",
        now
    )
    .fetch_all(books.conn().await?)
    .await?;
    for referral_id in &released {
        settle(books, *referral_id, true).await?;
    }
    Ok(released.len() as u64)
}

async fn settle(books: &mut Books<'_>, referral_id: i64, keep: bool) -> Result<(), sqlx::Error> {
    let (referral, lines) = if keep {
        ("active", "pending")
    } else {
        ("rejected", "void")
    };
    sqlx::query!(
        "UPDATE aff_referrals SET status = $2 WHERE id = $1",
        referral_id,
        referral
    )
    .execute(books.conn().await?)
    .await?;
    sqlx::query!(
        "UPDATE aff_lines SET status = $2 WHERE referral_id = $1 AND status = 'held'",
        referral_id,
        lines
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}
