//! Commission lines over a period, as a stream (for reports): each with
//! its programme, its affiliate and the referred person, oldest first.

use chrono::{DateTime, NaiveDate, Utc};
use futures::{Stream, StreamExt};
use sqlx::PgConnection;

use crate::model::{Amount, Currency};

#[derive(Debug, Clone)]
pub struct Commission {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub program: String,
    pub affiliate: String,
    pub affiliate_email: String,
    pub referred: Option<String>,
    pub payment_id: Option<i64>,
    /// `lead`, `sale`, `reversal`, `adjustment`.
    pub stage: String,
    /// `referrer` or `referred`.
    pub side: String,
    /// `cash`, `credit`, `free_days`, `donation`.
    pub reward: String,
    /// Money rewards; free days have none.
    pub amount: Option<Amount>,
    pub days: i32,
    pub status: String,
    pub payout_id: Option<i64>,
}

/// Lines created on `[from, to]` (UTC dates), with `status` if given.
/// `conn` is a tenant's connection: an association's own books.
pub fn commissions<'c>(
    conn: &'c mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    status: Option<&'c str>,
) -> impl Stream<Item = Result<Commission, sqlx::Error>> + Send + 'c {
    sqlx::query!(
        r#"SELECT l.id, l.created_at, p.name AS program, f.name AS affiliate, f.email AS affiliate_email,
                  r.name AS "referred?", l.payment_id, l.stage, l.side, l.reward, l.amount_minor, l.days,
                  l.currency, l.status, l.payout_id
           FROM aff_lines l
           JOIN aff_programs p ON p.id = l.program_id
           JOIN aff_affiliates f ON f.id = l.affiliate_id
           LEFT JOIN aff_referrals r ON r.id = l.referral_id
           WHERE (l.created_at AT TIME ZONE 'UTC')::date BETWEEN $1 AND $2
             AND ($3::text IS NULL OR l.status = $3)
           ORDER BY l.created_at, l.id"#,
        from,
        to,
        status
    )
    .fetch(conn)
    .map(|row| {
        let row = row?;
        let amount = if row.reward == "free_days" {
            None
        } else {
            let currency =
                Currency::parse(&row.currency).map_err(|e| sqlx::Error::Decode(e.into()))?;
            Amount::new(row.amount_minor, currency)
        };
        Ok(Commission {
            id: row.id,
            created_at: row.created_at,
            program: row.program,
            affiliate: row.affiliate,
            affiliate_email: row.affiliate_email,
            referred: row.referred,
            payment_id: row.payment_id,
            stage: row.stage,
            side: row.side,
            reward: row.reward,
            amount,
            days: row.days,
            status: row.status,
            payout_id: row.payout_id,
        })
    })
}
