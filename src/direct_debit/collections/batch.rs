//! The file for the bank: every planned debit that can still reach its
//! date goes into one pain.008.001.08 document (grouped by date and
//! sequence by [`crate::sepa::direct_debit`]), stored as written and
//! downloaded by the treasurer. Its debits are then submitted, their
//! mandates presented (the 36 months restart, the amendment is declared
//! once). A file the SEPA rules refuse writes nothing and names the field.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::settle;
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::direct_debit::mandates::{self, IBAN_COLUMN, PREVIOUS_IBAN_COLUMN};
use crate::direct_debit::settings::{self, Creditor};
use crate::error::Refusal;
use crate::sepa::direct_debit::{self as pain008, AccountChange, Amendment, Debit, Sequence};
use crate::sepa::{Bic, CreditorId, Iban};

/// A stored file, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BatchSummary {
    pub id: i64,
    pub message_id: String,
    pub debit_count: i32,
    pub total_minor: i64,
    pub first_due_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// The column the files are sealed for.
pub const DOCUMENT_COLUMN: &str = "sdd_batches.document";

/// A stored file, to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchFile {
    pub message_id: String,
    pub document: String,
}

/// Writes the file of every planned debit the bank can still take.
pub async fn prepare(
    tx: &mut TenantTx,
    today: NaiveDate,
    by: i64,
) -> Result<BatchSummary, Refusal> {
    let Some(creditor) = settings::load_locked(tx).await? else {
        return Err(Refusal::conflict(
            "not-offered",
            "set the association up as a creditor first",
        ));
    };
    settle::miss_late(tx, today).await?;
    let rows = sqlx::query!(
        r#"SELECT c.id, c.mandate_id, c.end_to_end_id, c.amount_minor, c.due_on, c.sequence,
                  m.reference, m.signed_on AS "signed_on!", m.debtor_name, m.street, m.building,
                  m.post_code, m.town, m.country, m.iban, m.iban_sealed, m.bic, m.previous_iban,
                  m.previous_iban_sealed, m.previous_reference,
                  m.amendment_pending
           FROM sdd_collections c JOIN sdd_mandates m ON m.id = c.mandate_id
           WHERE c.status = 'planned' AND m.status IN ('active', 'used')
           ORDER BY c.due_on, c.id
           FOR UPDATE OF c"#
    )
    .fetch_all(tx.conn().await?)
    .await?;
    if rows.is_empty() {
        return Err(Refusal::conflict(
            "nothing-to-send",
            "no planned debit can still reach the bank in time",
        ));
    }
    let id: i64 = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('sdd_batches', 'id')) AS "id!""#
    )
    .fetch_one(tx.conn().await?)
    .await?;
    let message_id = format!("TSR-{}-{id:06}", today.format("%Y%m%d"));
    let mut debits = Vec::with_capacity(rows.len());
    let keyring = tx.keyring();
    for row in &rows {
        let debtor_iban = keyring
            .open_or_clear(row.iban_sealed.as_deref(), row.iban.clone(), IBAN_COLUMN)
            .unwrap_or_default();
        let previous_iban = keyring.open_or_clear(
            row.previous_iban_sealed.as_deref(),
            row.previous_iban.clone(),
            PREVIOUS_IBAN_COLUMN,
        );
        let amendment = Amendment {
            original_mandate_id: row.previous_reference.clone(),
            original_creditor: None,
            original_account: previous_iban.as_deref().and_then(|old| {
                AccountChange::between(&Iban::parse(old).ok()?, &Iban::parse(&debtor_iban).ok()?)
            }),
        };
        let changed =
            amendment.original_mandate_id.is_some() || amendment.original_account.is_some();
        let amendment = (row.amendment_pending && changed).then_some(amendment);
        debits.push(Debit {
            end_to_end_id: row.end_to_end_id.clone(),
            amount_minor: row.amount_minor,
            sequence: sequence(&row.sequence),
            collection_date: row.due_on,
            mandate: pain008::Mandate {
                id: row.reference.clone(),
                signed_on: row.signed_on,
                amendment,
            },
            debtor_name: row.debtor_name.clone(),
            debtor_iban: iban(&debtor_iban)?,
            debtor_bic: row.bic.as_deref().and_then(|b| Bic::parse(b).ok()),
            debtor_address: Some(crate::sepa::Address {
                street: row.street.clone(),
                building: row.building.clone(),
                post_code: row.post_code.clone(),
                town: row.town.clone(),
                country: row.country.clone(),
            }),
            remittance: format!("{} {}", creditor.name, row.reference),
        });
    }
    let batch = pain008::Batch {
        message_id: message_id.clone(),
        created_at: Utc::now(),
        creditor: sepa_creditor(&creditor)?,
        debits,
    };
    let document = pain008::document(&batch)
        .map_err(|error| Refusal::invalid("batch", "sepa", error.to_string()))?;
    // The file lists every debtor's IBAN: it is kept sealed like them.
    let document = tx.keyring().seal_str(&document, DOCUMENT_COLUMN)?;
    let total: i64 = rows.iter().map(|row| row.amount_minor).sum();
    let first_due_on = rows.iter().map(|row| row.due_on).min().unwrap_or(today);
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let summary = sqlx::query_as!(
        BatchSummary,
        "INSERT INTO sdd_batches (id, message_id, debit_count, total_minor, first_due_on, document_sealed,
                                  created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, message_id, debit_count, total_minor, first_due_on, created_at",
        id,
        message_id,
        i32::try_from(rows.len()).unwrap_or(i32::MAX),
        total,
        first_due_on,
        document,
        by
    )
    .fetch_one(tx.conn().await?)
    .await?;
    sqlx::query!(
        "UPDATE sdd_collections SET status = 'submitted', batch_id = $1 WHERE id = ANY($2)",
        id,
        &ids
    )
    .execute(tx.conn().await?)
    .await?;
    let mut presented: Vec<(i64, NaiveDate)> =
        rows.iter().map(|r| (r.mandate_id, r.due_on)).collect();
    presented.sort_unstable_by(|a, b| b.cmp(a));
    presented.dedup_by_key(|(mandate, _)| *mandate);
    for (mandate_id, due_on) in presented {
        mandates::mark_presented(tx, mandate_id, due_on).await?;
    }
    let entry = Entry::new("direct_debit.batch.prepared")
        .by(Some(by))
        .with(json!({ "batch": id, "message_id": summary.message_id, "debits": ids.len(), "total_minor": total }));
    audit::record(tx, entry).await?;
    Ok(summary)
}

fn iban(raw: &str) -> Result<Iban, Refusal> {
    Iban::parse(raw).map_err(|e| Refusal::invalid("iban", "iban", e.to_string()))
}

fn sequence(code: &str) -> Sequence {
    match code {
        "FRST" => Sequence::First,
        "OOFF" => Sequence::OneOff,
        "FNAL" => Sequence::Final,
        _ => Sequence::Recurring,
    }
}

fn sepa_creditor(creditor: &Creditor) -> Result<pain008::Creditor, Refusal> {
    Ok(pain008::Creditor {
        name: creditor.name.clone(),
        iban: iban(&creditor.iban)?,
        bic: creditor.bic.as_deref().and_then(|b| Bic::parse(b).ok()),
        id: CreditorId::parse(&creditor.creditor_id)
            .map_err(|e| Refusal::invalid("creditor_id", "creditor-id", e.to_string()))?,
        address: Some(creditor.address()),
    })
}

/// The stored files, newest first.
pub async fn batches(tx: &mut TenantTx, limit: i64) -> Result<Vec<BatchSummary>, sqlx::Error> {
    sqlx::query_as!(
        BatchSummary,
        "SELECT id, message_id, debit_count, total_minor, first_due_on, created_at
         FROM sdd_batches ORDER BY id DESC LIMIT $1",
        limit.clamp(1, 1000)
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// One stored file.
pub async fn file(tx: &mut TenantTx, id: i64) -> Result<Option<BatchFile>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT message_id, document, document_sealed FROM sdd_batches WHERE id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let document = match row.document_sealed {
        Some(sealed) => tx.keyring().open_string(&sealed, DOCUMENT_COLUMN)?,
        None => row.document.unwrap_or_default(),
    };
    Ok(Some(BatchFile {
        message_id: row.message_id,
        document,
    }))
}
