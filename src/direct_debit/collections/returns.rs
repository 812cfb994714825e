//! The bank's reports on our debits (`pain.002` rejects before settlement,
//! `camt.054` returns and refunds after it), applied debit by debit: a
//! reject fails the pending payment (nothing reached the ledger); a
//! return refunds the paid one (the ledger line is reversed, the receipt
//! cancelled). Then the reason decides: not enough money presents the dues
//! again after a new notice (the member stays in grace meanwhile, up to
//! [`MAX_ATTEMPTS`]), a closed account or a refused mandate ends the
//! mandate; the member is told each time. Importing a report twice changes
//! nothing the second time.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::plan::{self, Debit};
use super::{CollectionStatus, MAX_ATTEMPTS};
use crate::audit::{self, Entry};
use crate::contributions::payments::{self, Allocation};
use crate::db::TenantTx;
use crate::direct_debit::mandates::{self, MandateStatus};
use crate::direct_debit::settings;
use crate::error::Refusal;
use crate::mail::{self, Mail};
use crate::model::{Amount, Currency, Email};
use crate::sepa::returns::{self, Consequence, Returned};

/// The mail telling a member their debit came back.
pub const RETURNED_MAIL: &str = "debit-returned";

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Imported {
    /// Refused before settlement.
    pub rejected: usize,
    /// Taken back after settlement.
    pub returned: usize,
    /// Presented again.
    pub retried: usize,
    pub mandates_ended: usize,
    /// Already applied by an earlier import.
    pub already_known: usize,
    /// End-to-end ids that are none of ours.
    pub unknown: Vec<String>,
}

struct Found {
    id: i64,
    mandate_id: i64,
    payment_id: i64,
    amount_minor: i64,
    due_on: NaiveDate,
    attempt: i16,
    status: CollectionStatus,
}

/// Applies a pain.002 or camt.054 file.
pub async fn import(
    tx: &mut TenantTx,
    xml: &str,
    today: NaiveDate,
    by: i64,
) -> Result<Imported, Refusal> {
    let report =
        returns::read(xml).map_err(|e| Refusal::invalid("file", "report", e.to_string()))?;
    settings::load_locked(tx).await?;
    let mut imported = Imported::default();
    let mut listed = report.returned.clone();
    if let (Some(reason), Some(message_id)) =
        (&report.whole_file_rejected, &report.original_message_id)
    {
        listed.extend(whole_file(tx, message_id, reason).await?);
    }
    for returned in &listed {
        apply(tx, returned, today, by, &mut imported).await?;
    }
    let entry = Entry::new("direct_debit.report.imported").by(Some(by)).with(json!({
        "rejected": imported.rejected, "returned": imported.returned, "retried": imported.retried,
        "unknown": imported.unknown.len(),
    }));
    audit::record(tx, entry).await?;
    Ok(imported)
}

/// Every debit of a file the bank refused whole.
async fn whole_file(
    tx: &mut TenantTx,
    message_id: &str,
    reason: &str,
) -> Result<Vec<Returned>, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        "SELECT c.end_to_end_id FROM sdd_collections c JOIN sdd_batches b ON b.id = c.batch_id
         WHERE b.message_id = $1",
        message_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(ids
        .into_iter()
        .map(|end_to_end_id| Returned {
            end_to_end_id,
            reason: reason.to_owned(),
            amount_minor: None,
            on: None,
        })
        .collect())
}

async fn apply(
    tx: &mut TenantTx,
    returned: &Returned,
    today: NaiveDate,
    by: i64,
    imported: &mut Imported,
) -> Result<(), Refusal> {
    let Some(found) = find(tx, &returned.end_to_end_id).await? else {
        imported.unknown.push(returned.end_to_end_id.clone());
        return Ok(());
    };
    let reason = if is_code(&returned.reason) {
        returned.reason.as_str()
    } else {
        "NARR"
    };
    let amount = Amount::new(found.amount_minor, Currency::EUR)
        .ok_or_else(|| Refusal::invalid("amount", "too-large", "amount too large"))?;
    let now = match found.status {
        CollectionStatus::Submitted => {
            payments::mark_failed(tx, found.payment_id, Some(by)).await?;
            imported.rejected += 1;
            CollectionStatus::Rejected
        }
        CollectionStatus::Settled => {
            let why = format!("SEPA {reason}");
            payments::refund(tx, found.payment_id, amount, &why, Some(by)).await?;
            imported.returned += 1;
            CollectionStatus::Returned
        }
        CollectionStatus::Planned => {
            imported.unknown.push(returned.end_to_end_id.clone());
            return Ok(());
        }
        _ => {
            imported.already_known += 1;
            return Ok(());
        }
    };
    sqlx::query!(
        "UPDATE sdd_collections SET status = $2, reason = $3, returned_on = $4 WHERE id = $1",
        found.id,
        now.as_str(),
        reason,
        returned.on.unwrap_or(today)
    )
    .execute(tx.conn().await?)
    .await?;
    let next = follow_up(tx, &found, reason, today, by, imported).await?;
    tell_member(tx, &found, amount, reason, next).await
}

/// What the reason means for the mandate and the dues: the date they are
/// presented again, if they are.
async fn follow_up(
    tx: &mut TenantTx,
    found: &Found,
    reason: &str,
    today: NaiveDate,
    by: i64,
    imported: &mut Imported,
) -> Result<Option<NaiveDate>, Refusal> {
    match returns::consequence(reason) {
        Consequence::Retry if found.attempt < MAX_ATTEMPTS => {
            let (Some(mandate), Some(creditor)) = (
                mandates::find(tx, found.mandate_id).await?,
                settings::load(tx).await?,
            ) else {
                return Ok(None);
            };
            if mandate.status != MandateStatus::Active {
                return Ok(None);
            }
            let Some(payment) = payments::find(tx, found.payment_id).await? else {
                return Ok(None);
            };
            let allocations: Vec<Allocation> = payment
                .allocations
                .iter()
                .map(|(membership_id, amount)| Allocation {
                    membership_id: *membership_id,
                    amount_minor: amount.minor(),
                })
                .collect();
            if allocations.is_empty() {
                return Ok(None);
            }
            let on = plan::earliest_date(today, &creditor);
            let debit = Debit {
                mandate: &mandate,
                creditor: &creditor,
                on,
                attempt: found.attempt + 1,
            };
            plan::create(tx, &debit, allocations, "").await?;
            imported.retried += 1;
            Ok(Some(on))
        }
        Consequence::MandateEnded => {
            let why = format!("the bank answered {reason}");
            match mandates::cancel(tx, found.mandate_id, &why, Some(by)).await {
                Ok(_) => imported.mandates_ended += 1,
                Err(Refusal::Conflict { .. }) => {}
                Err(other) => return Err(other),
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

async fn tell_member(
    tx: &mut TenantTx,
    found: &Found,
    amount: Amount,
    reason: &str,
    next: Option<NaiveDate>,
) -> Result<(), Refusal> {
    let Some(mandate) = mandates::find(tx, found.mandate_id).await? else {
        return Ok(());
    };
    let Some(account) = crate::accounts::store::find(tx, mandate.account_id).await? else {
        return Ok(());
    };
    let Ok(to) = Email::parse(&account.email) else {
        return Ok(());
    };
    let locale = mandate.locale.clone();
    let day = |date: NaiveDate| crate::contributions::pages::day(date, &locale);
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template: RETURNED_MAIL,
        locale: locale.clone(),
        data: json!({
            "name": account.display_name,
            "amount": amount.format(&locale),
            "date": day(found.due_on),
            "reason": reason,
            "next_date": next.map(day),
            "mandate_ended": mandate.status != MandateStatus::Active,
            "reference": mandate.reference,
        }),
    };
    mail::queue(tx, &mail).await?;
    Ok(())
}

fn is_code(reason: &str) -> bool {
    reason.len() == 4
        && reason
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

async fn find(tx: &mut TenantTx, end_to_end_id: &str) -> Result<Option<Found>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, mandate_id, payment_id, amount_minor, due_on, attempt, status
         FROM sdd_collections WHERE end_to_end_id = $1 FOR UPDATE",
        end_to_end_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.and_then(|row| {
        Some(Found {
            id: row.id,
            mandate_id: row.mandate_id,
            payment_id: row.payment_id,
            amount_minor: row.amount_minor,
            due_on: row.due_on,
            attempt: row.attempt,
            status: row.status.parse().ok()?,
        })
    }))
}
