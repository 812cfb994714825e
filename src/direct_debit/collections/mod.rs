//! Collections: the debits themselves. Each one takes what a member owes
//! under their active mandate on one date ([`plan`]: the member is told
//! at least the notice period before, by mail, and the dues count as on
//! their way, through a pending `direct_debit` payment); goes to the bank
//! in a pain.008 file the treasurer downloads ([`batch`]); is paid on its
//! date ([`settle`]); or comes back rejected or returned in a bank report
//! ([`returns`]), which undoes the payment, tells the member, and presents
//! the dues again when the reason allows, up to [`MAX_ATTEMPTS`].

pub mod batch;
pub mod plan;
pub mod returns;
pub mod settle;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::TenantTx;
use crate::model::text_enum;

pub use batch::{BatchFile, BatchSummary, batches, file, prepare};
pub use plan::{Planned, plan};
pub use returns::{Imported, import};
pub use settle::{miss_late, settle_due};

/// How many times the same dues are presented before the member is asked
/// to pay another way.
pub const MAX_ATTEMPTS: i16 = 3;

text_enum!(
    /// Where a debit stands.
    CollectionStatus {
        /// Announced to the member, waiting for the next file.
        Planned = "planned",
        /// In a file handed to the bank.
        Submitted = "submitted",
        /// Paid on its date.
        Settled = "settled",
        /// Refused by the bank before settlement.
        Rejected = "rejected",
        /// Taken back after settlement (a return, or the member's refund).
        Returned = "returned",
        /// No file carried it before the bank's deadline.
        Missed = "missed",
    }
);

/// One debit, with its mandate's reference and debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Collection {
    pub id: i64,
    pub mandate_id: i64,
    pub account_id: i64,
    pub mandate_reference: String,
    pub debtor_name: String,
    pub payment_id: i64,
    pub end_to_end_id: String,
    /// Euro cents.
    pub amount_minor: i64,
    pub due_on: NaiveDate,
    /// `FRST`, `RCUR`, `OOFF` or `FNAL`.
    pub sequence: String,
    pub attempt: i16,
    pub status: CollectionStatus,
    pub batch_id: Option<i64>,
    /// The bank's reason code, when rejected or returned.
    pub reason: Option<String>,
    pub returned_on: Option<NaiveDate>,
    pub notified_at: DateTime<Utc>,
}

/// Which debits to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub account_id: Option<i64>,
    pub status: Option<CollectionStatus>,
    pub batch_id: Option<i64>,
    pub limit: i64,
}

/// Debits, latest date first.
pub async fn list(tx: &mut TenantTx, filter: &Filter) -> Result<Vec<Collection>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT c.id, c.mandate_id, m.account_id, m.reference, m.debtor_name, c.payment_id,
                  c.end_to_end_id, c.amount_minor, c.due_on, c.sequence, c.attempt, c.status,
                  c.batch_id, c.reason, c.returned_on, c.notified_at
           FROM sdd_collections c JOIN sdd_mandates m ON m.id = c.mandate_id
           WHERE ($1::bigint IS NULL OR m.account_id = $1)
             AND ($2::text IS NULL OR c.status = $2)
             AND ($3::bigint IS NULL OR c.batch_id = $3)
           ORDER BY c.due_on DESC, c.id DESC
           LIMIT $4"#,
        filter.account_id,
        filter.status.map(|s| s.as_str()),
        filter.batch_id,
        filter.limit.clamp(1, 5000)
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(Collection {
                id: row.id,
                mandate_id: row.mandate_id,
                account_id: row.account_id,
                mandate_reference: row.reference,
                debtor_name: row.debtor_name,
                payment_id: row.payment_id,
                end_to_end_id: row.end_to_end_id,
                amount_minor: row.amount_minor,
                due_on: row.due_on,
                sequence: row.sequence,
                attempt: row.attempt,
                status: row.status.parse().ok()?,
                batch_id: row.batch_id,
                reason: row.reason,
                returned_on: row.returned_on,
                notified_at: row.notified_at,
            })
        })
        .collect())
}
