//! Payouts: an affiliate asks for what is due once it reaches the
//! programme's threshold; the treasurer (or operator) gathers requests in a
//! batch, exports it (`batch`: CSV and a SEPA credit transfer file) and
//! marks it paid with the bank's reference. A payout takes every due cash
//! line, negative ones (a clawed-back commission) included, so a refund
//! after payment is netted in the next payout.

pub mod bank;
pub mod batch;

use chrono::{DateTime, Utc};

use super::books::Books;
use super::error::Error;
use super::model::PayoutStatus;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Payout {
    pub id: i64,
    pub affiliate_id: Option<i64>,
    pub amount_minor: i64,
    pub currency: String,
    pub status: PayoutStatus,
    pub batch_id: Option<i64>,
    pub payee_name: Option<String>,
    /// Masked.
    pub iban: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

/// What an affiliate could ask for now.
pub async fn available(books: &mut Books<'_>, affiliate_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_minor), 0)::bigint AS "due!" FROM aff_lines
           WHERE affiliate_id = $1 AND side = 'referrer' AND reward = 'cash' AND status = 'due' AND payout_id IS NULL"#,
        affiliate_id
    )
    .fetch_one(books.conn().await?)
    .await
}

/// Asks for a payout of everything due.
pub async fn request(books: &mut Books<'_>, affiliate_id: i64) -> Result<Payout, Error> {
    let row = sqlx::query!(
        "SELECT a.status, a.payee_name, a.iban, a.iban_sealed, a.bic, p.min_payout_minor, p.currency, a.program_id
         FROM aff_affiliates a JOIN aff_programs p ON p.id = a.program_id WHERE a.id = $1 FOR UPDATE OF a",
        affiliate_id
    )
    .fetch_optional(books.conn().await?)
    .await?
    .ok_or(Error::NotFound("affiliate"))?;
    if row.status != "active" {
        return Err(Error::conflict("banned", "this affiliate is banned"));
    }
    let iban = bank::read(
        books,
        row.iban_sealed.as_deref(),
        row.iban,
        bank::AFFILIATE_IBAN,
    );
    let (Some(payee_name), Some(iban)) = (row.payee_name, iban) else {
        return Err(Error::conflict(
            "no-bank-details",
            "give the account to pay first",
        ));
    };
    let due = available(books, affiliate_id).await?;
    if due <= 0 || due < row.min_payout_minor {
        return Err(Error::conflict(
            "below-threshold",
            format!(
                "the minimum payout is {} (in minor units); {due} is due",
                row.min_payout_minor
            ),
        ));
    }
    let (iban, sealed) = bank::stored(books, Some(&iban), bank::PAYOUT_IBAN)?;
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_payouts (program_id, affiliate_id, amount_minor, currency, payee_name, iban,
                                  iban_sealed, bic)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
        row.program_id,
        affiliate_id,
        due,
        row.currency,
        payee_name,
        iban,
        sealed,
        row.bic
    )
    .fetch_optional(books.conn().await?)
    .await?
    .ok_or_else(|| Error::conflict("payout-open", "a payout is already on its way"))?;
    sqlx::query!(
        "UPDATE aff_lines SET payout_id = $2
         WHERE affiliate_id = $1 AND side = 'referrer' AND reward = 'cash' AND status = 'due' AND payout_id IS NULL",
        affiliate_id,
        id
    )
    .execute(books.conn().await?)
    .await?;
    find(books, id).await?.ok_or(Error::NotFound("payout"))
}

/// Cancels a request not yet in a batch: its lines are due again.
pub async fn cancel(
    books: &mut Books<'_>,
    id: i64,
    affiliate_id: Option<i64>,
) -> Result<(), Error> {
    let done = sqlx::query!(
        "UPDATE aff_payouts SET status = 'cancelled'
         WHERE id = $1 AND status = 'requested' AND ($2::bigint IS NULL OR affiliate_id = $2)",
        id,
        affiliate_id
    )
    .execute(books.conn().await?)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::conflict(
            "not-cancellable",
            "only a request not yet in a batch can be cancelled",
        ));
    }
    sqlx::query!(
        "UPDATE aff_lines SET payout_id = NULL WHERE payout_id = $1",
        id
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}

macro_rules! payout_rows {
    ($books:expr, $filter:literal, $($arg:expr),*) => {
        sqlx::query!(
            "SELECT id, affiliate_id, amount_minor, currency, status, batch_id, payee_name, iban,
                    iban_sealed, requested_at, paid_at
             FROM aff_payouts " + $filter,
            $($arg),*
        )
        .fetch_all($books.conn().await?)
        .await?
        .into_iter()
        .map(|r| Payout {
            id: r.id,
            affiliate_id: r.affiliate_id,
            amount_minor: r.amount_minor,
            currency: r.currency,
            status: r.status.parse().unwrap_or(PayoutStatus::Cancelled),
            batch_id: r.batch_id,
            payee_name: r.payee_name,
            iban: bank::read($books, r.iban_sealed.as_deref(), r.iban, bank::PAYOUT_IBAN)
                .as_deref()
                .map(bank::masked),
            requested_at: r.requested_at,
            paid_at: r.paid_at,
        })
        .collect::<Vec<_>>()
    };
}

pub async fn find(books: &mut Books<'_>, id: i64) -> Result<Option<Payout>, sqlx::Error> {
    Ok(payout_rows!(books, "WHERE id = $1", id).into_iter().next())
}

pub async fn of_affiliate(
    books: &mut Books<'_>,
    affiliate_id: i64,
) -> Result<Vec<Payout>, sqlx::Error> {
    Ok(payout_rows!(
        books,
        "WHERE affiliate_id = $1 ORDER BY id DESC LIMIT 100",
        affiliate_id
    ))
}

pub async fn of_program(
    books: &mut Books<'_>,
    program_id: i64,
) -> Result<Vec<Payout>, sqlx::Error> {
    Ok(payout_rows!(
        books,
        "WHERE program_id = $1 ORDER BY status = 'requested' DESC, id DESC LIMIT 200",
        program_id
    ))
}
