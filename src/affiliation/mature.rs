//! Time moving the ledger forward: undecided reviews past their deadline
//! release their holds, pending lines past their holding period become due.
//! Run by the owner's sweep (`tenant::sweep` for associations).

use chrono::{DateTime, Utc};

use super::books::Books;
use super::reviews;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Matured {
    pub released: u64,
    pub due: u64,
}

pub async fn run(books: &mut Books<'_>, now: DateTime<Utc>) -> Result<Matured, sqlx::Error> {
    let released = reviews::release_expired(books, now).await?;
    let due = sqlx::query!(
        "UPDATE aff_lines SET status = 'due' WHERE status = 'pending' AND due_at <= $1",
        now
    )
    .execute(books.conn().await?)
    .await?
    .rows_affected();
    Ok(Matured { released, due })
}

/// A due reward that is not money: credit or free days, for one party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    pub line_id: i64,
    /// Who receives it: the affiliate's party, or the referred party.
    pub party_id: Option<i64>,
    pub credit_minor: i64,
    pub days: i32,
    pub currency: String,
}

/// Due rewards in kind, oldest first, locked for their fulfilment.
pub async fn owed_in_kind(books: &mut Books<'_>, limit: i64) -> Result<Vec<Owed>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT l.id, l.side, l.amount_minor, l.days, l.currency, a.party_id AS affiliate_party, r.party_id AS \"referred_party?\"
         FROM aff_lines l JOIN aff_affiliates a ON a.id = l.affiliate_id LEFT JOIN aff_referrals r ON r.id = l.referral_id
         WHERE l.status = 'due' AND l.reward IN ('credit', 'free_days')
         ORDER BY l.id LIMIT $1 FOR UPDATE OF l SKIP LOCKED",
        limit
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Owed {
            line_id: r.id,
            party_id: if r.side == "referred" {
                r.referred_party
            } else {
                r.affiliate_party
            },
            credit_minor: r.amount_minor,
            days: r.days,
            currency: r.currency,
        })
        .collect())
}

/// The reward was given.
pub async fn fulfilled(books: &mut Books<'_>, line_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE aff_lines SET status = 'paid', fulfilled_at = now() WHERE id = $1",
        line_id
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}
