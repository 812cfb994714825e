//! Payout batches: the requests of a programme gathered for one bank
//! order, with the due donations made in affiliates' names (one transfer
//! to the programme's payee); exported as CSV and as a SEPA credit transfer
//! file (pain.001.001.09); marked paid with the bank's reference, which
//! pays their lines.

use chrono::{DateTime, NaiveDate, Utc};

use super::bank;
use crate::affiliation::books::Books;
use crate::affiliation::error::Error;
use crate::sepa::credit_transfer::{self, Debtor, Transfer};
use crate::sepa::{Bic, Iban};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Batch {
    pub id: i64,
    pub program_id: i64,
    pub message_id: String,
    pub execution_date: NaiveDate,
    pub paid: bool,
    pub bank_reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub total_minor: i64,
    pub payouts: i64,
}

/// Gathers the programme's requested payouts and due donations.
pub async fn prepare(
    books: &mut Books<'_>,
    program_id: i64,
    execution_date: NaiveDate,
    today: NaiveDate,
    by: Option<i64>,
) -> Result<Batch, Error> {
    if execution_date < today || execution_date > today + chrono::Days::new(60) {
        return Err(Error::invalid(
            "execution_date",
            "date",
            "a date within the next 60 days",
        ));
    }
    // Nothing is written for an empty batch (pages answer a refusal with a
    // redirect, whose transaction commits).
    let waiting = sqlx::query_scalar!(
        r#"SELECT (SELECT count(*) FROM aff_payouts WHERE program_id = $1 AND status = 'requested')
                + (SELECT count(*) FROM aff_lines l JOIN aff_programs p ON p.id = l.program_id
                   WHERE l.program_id = $1 AND l.reward = 'donation' AND l.status = 'due' AND l.payout_id IS NULL
                     AND p.donation_iban IS NOT NULL) AS "n!""#,
        program_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    if waiting == 0 {
        return Err(Error::conflict("nothing-to-pay", "no payout is waiting"));
    }
    let message_id = format!("AFF-{program_id}-{}", uuid::Uuid::new_v4().simple())
        .chars()
        .take(35)
        .collect::<String>();
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_payout_batches (program_id, message_id, execution_date, created_by) VALUES ($1, $2, $3, $4) RETURNING id",
        program_id,
        message_id,
        execution_date,
        by
    )
    .fetch_one(books.conn().await?)
    .await?;
    donations(books, program_id).await?;
    let taken = sqlx::query!(
        "UPDATE aff_payouts SET status = 'batched', batch_id = $2 WHERE program_id = $1 AND status = 'requested'",
        program_id,
        id
    )
    .execute(books.conn().await?)
    .await?
    .rows_affected();
    if taken == 0 {
        return Err(Error::conflict("nothing-to-pay", "no payout is waiting"));
    }
    find(books, program_id, id)
        .await?
        .ok_or(Error::NotFound("batch"))
}

/// The due donations, as one payout to the programme's payee.
async fn donations(books: &mut Books<'_>, program_id: i64) -> Result<(), sqlx::Error> {
    let program = sqlx::query!(
        "SELECT donation_payee, donation_iban, currency FROM aff_programs WHERE id = $1",
        program_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    let (Some(payee), Some(iban)) = (program.donation_payee, program.donation_iban) else {
        return Ok(());
    };
    let total = sqlx::query_scalar!(
        r#"SELECT coalesce(sum(amount_minor), 0)::bigint AS "total!" FROM aff_lines
           WHERE program_id = $1 AND reward = 'donation' AND status = 'due' AND payout_id IS NULL"#,
        program_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    if total <= 0 {
        return Ok(());
    }
    let (iban, sealed) = bank::stored(books, Some(&iban), bank::PAYOUT_IBAN)?;
    let payout = sqlx::query_scalar!(
        "INSERT INTO aff_payouts (program_id, affiliate_id, amount_minor, currency, payee_name, iban,
                                  iban_sealed)
         VALUES ($1, NULL, $2, $3, $4, $5, $6) RETURNING id",
        program_id,
        total,
        program.currency,
        payee,
        iban,
        sealed
    )
    .fetch_one(books.conn().await?)
    .await?;
    sqlx::query!(
        "UPDATE aff_lines SET payout_id = $2
         WHERE program_id = $1 AND reward = 'donation' AND status = 'due' AND payout_id IS NULL",
        program_id,
        payout
    )
    .execute(books.conn().await?)
    .await?;
    Ok(())
}

pub async fn list(books: &mut Books<'_>, program_id: i64) -> Result<Vec<Batch>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT b.id, b.program_id, b.message_id, b.execution_date, b.status, b.bank_reference, b.created_at,
                  coalesce(sum(p.amount_minor), 0)::bigint AS "total!", count(p.id) AS "payouts!"
           FROM aff_payout_batches b LEFT JOIN aff_payouts p ON p.batch_id = b.id
           WHERE b.program_id = $1 GROUP BY b.id ORDER BY b.id DESC LIMIT 100"#,
        program_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Batch {
            id: r.id,
            program_id: r.program_id,
            message_id: r.message_id,
            execution_date: r.execution_date,
            paid: r.status == "paid",
            bank_reference: r.bank_reference,
            created_at: r.created_at,
            total_minor: r.total,
            payouts: r.payouts,
        })
        .collect())
}

pub async fn find(
    books: &mut Books<'_>,
    program_id: i64,
    id: i64,
) -> Result<Option<Batch>, sqlx::Error> {
    Ok(list(books, program_id)
        .await?
        .into_iter()
        .find(|batch| batch.id == id))
}

/// One transfer of a batch.
struct Line {
    payout_id: i64,
    amount_minor: i64,
    payee_name: String,
    iban: String,
    bic: Option<String>,
    donation: bool,
}

async fn lines(books: &mut Books<'_>, batch_id: i64) -> Result<Vec<Line>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, amount_minor, payee_name, iban, iban_sealed, bic, affiliate_id FROM aff_payouts
         WHERE batch_id = $1 ORDER BY id",
        batch_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Line {
            payout_id: r.id,
            amount_minor: r.amount_minor,
            payee_name: r.payee_name.unwrap_or_default(),
            iban: bank::read(books, r.iban_sealed.as_deref(), r.iban, bank::PAYOUT_IBAN)
                .unwrap_or_default(),
            bic: r.bic,
            donation: r.affiliate_id.is_none(),
        })
        .collect())
}

/// The batch as CSV: one row per transfer.
pub async fn csv(books: &mut Books<'_>, program_id: i64, batch_id: i64) -> Result<Vec<u8>, Error> {
    let batch = find(books, program_id, batch_id)
        .await?
        .ok_or(Error::NotFound("batch"))?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "payout",
        "payee",
        "iban",
        "bic",
        "amount",
        "kind",
        "end_to_end_id",
    ];
    let write = |out: &mut csv::Writer<Vec<u8>>, row: &[String]| {
        out.write_record(row)
            .map_err(|e| Error::conflict("csv", e.to_string()))
    };
    write(&mut out, &header.map(str::to_owned))?;
    for line in lines(books, batch.id).await? {
        let amount = format!("{}.{:02}", line.amount_minor / 100, line.amount_minor % 100);
        let kind = if line.donation {
            "donation"
        } else {
            "commission"
        };
        let row = [
            line.payout_id.to_string(),
            line.payee_name,
            line.iban,
            line.bic.unwrap_or_default(),
            amount,
            kind.to_owned(),
            format!("AFF-PAYOUT-{}", line.payout_id),
        ];
        write(&mut out, &row)?;
    }
    out.into_inner()
        .map_err(|e| Error::conflict("csv", e.to_string()))
}

/// The batch as a SEPA credit transfer file, from the programme's account.
pub async fn transfer_file(
    books: &mut Books<'_>,
    program_id: i64,
    batch_id: i64,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let batch = find(books, program_id, batch_id)
        .await?
        .ok_or(Error::NotFound("batch"))?;
    let bank = sqlx::query!(
        "SELECT bank_name, bank_iban, bank_bic, currency FROM aff_programs WHERE id = $1",
        program_id
    )
    .fetch_one(books.conn().await?)
    .await?;
    if bank.currency != "EUR" {
        return Err(Error::conflict("not-euro", "SEPA transfers are in euros"));
    }
    let (Some(name), Some(iban)) = (bank.bank_name, bank.bank_iban) else {
        return Err(Error::conflict(
            "no-bank-account",
            "give the programme's bank account first",
        ));
    };
    let invalid =
        |field| move |_| Error::invalid(field, "iban", "stored bank details are not valid");
    let debtor = Debtor {
        name,
        iban: Iban::parse(&iban).map_err(invalid("bank_iban"))?,
        bic: bank
            .bank_bic
            .as_deref()
            .and_then(|bic| Bic::parse(bic).ok()),
    };
    let mut transfers = Vec::new();
    for line in lines(books, batch.id).await? {
        transfers.push(Transfer {
            end_to_end_id: format!("AFF-PAYOUT-{}", line.payout_id),
            amount_minor: line.amount_minor,
            creditor_name: line.payee_name,
            creditor_iban: Iban::parse(&line.iban).map_err(invalid("iban"))?,
            creditor_bic: line.bic.as_deref().and_then(|bic| Bic::parse(bic).ok()),
            remittance: if line.donation {
                "Dons au nom des affilies / donations in affiliates' names".to_owned()
            } else {
                format!("Commissions - versement {}", line.payout_id)
            },
        });
    }
    let file = credit_transfer::Batch {
        message_id: batch.message_id,
        created_at: now,
        execution_date: batch.execution_date,
        debtor,
        transfers,
    };
    credit_transfer::document(&file).map_err(|e| Error::conflict("sepa", e.to_string()))
}

/// The bank executed the batch: its payouts and their lines are paid.
pub async fn mark_paid(
    books: &mut Books<'_>,
    program_id: i64,
    batch_id: i64,
    reference: &str,
) -> Result<Vec<i64>, Error> {
    let reference = reference.trim();
    if reference.is_empty() || reference.chars().count() > 140 {
        return Err(Error::invalid(
            "bank_reference",
            "reference",
            "the bank's reference, at most 140 characters",
        ));
    }
    let done = sqlx::query!(
        "UPDATE aff_payout_batches SET status = 'paid', bank_reference = $3, paid_at = now()
         WHERE id = $1 AND program_id = $2 AND status = 'open'",
        batch_id,
        program_id,
        reference
    )
    .execute(books.conn().await?)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::conflict("not-open", "no open batch of this number"));
    }
    let paid = sqlx::query_scalar!(
        "UPDATE aff_payouts SET status = 'paid', paid_at = now() WHERE batch_id = $1 AND status = 'batched' RETURNING id",
        batch_id
    )
    .fetch_all(books.conn().await?)
    .await?;
    sqlx::query!(
        "UPDATE aff_lines SET status = 'paid', fulfilled_at = now() WHERE payout_id = ANY($1)",
        &paid
    )
    .execute(books.conn().await?)
    .await?;
    Ok(paid)
}
