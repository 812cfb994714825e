//! Job `receipts.render`: turns a receipt row into its PDF, stores it once
//! through [`Storage`] under `receipts/<year>/<number>-<hash>.pdf` and
//! records the key and the SHA-256 on the row (only while they are NULL).
//!
//! A cancelled receipt gets a second file, with the watermark, recorded in
//! `void_storage_key`/`void_sha256`; its first file stays as it was.
//!
//! The job is idempotent: a receipt already stored is left alone, the PDF
//! of one receipt always has the same bytes (fixed template, fonts and
//! document id, no timestamp), so a re-run finds its file already there,
//! and the row is only written where `storage_key IS NULL`, so two runs at
//! once (the job and a download rendering on demand) agree on one file.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::pdf::{self, PdfError};
use super::source;
use crate::db::TenantTx;
use crate::jobs::{self, Job, JobCtx, JobError, NewJob, Registry};
use crate::model::Tenant;
use crate::storage::{Storage, StorageError};

/// The job kind (enqueued by `number::issue` and `cancel_and_reissue`).
pub const KIND: &str = super::number::RENDER_JOB;

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    receipt_id: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A row the receipt needs holds something impossible (a bad currency).
    #[error("receipt data: {0}")]
    Data(String),
}

impl From<RenderError> for JobError {
    fn from(error: RenderError) -> Self {
        match error {
            RenderError::Database(e) => JobError::from(e),
            RenderError::Storage(StorageError::Io(e)) => JobError::retry(e),
            other => JobError::permanent(other),
        }
    }
}

/// Where a receipt's PDF is kept, and the hash it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub key: String,
    pub sha256: Vec<u8>,
}

/// Queues the rendering of `receipt_id` in the caller's transaction (at
/// most one waiting job per receipt).
pub async fn enqueue(tx: &mut TenantTx, receipt_id: i64) -> Result<(), sqlx::Error> {
    let payload = serde_json::json!({ "receipt_id": receipt_id });
    let dedupe = format!("{KIND}:{receipt_id}");
    let mut job = NewJob::new(KIND, payload);
    job.dedupe_key = Some(&dedupe);
    jobs::enqueue(tx, job).await
}

/// Makes the worker render receipts into `storage`.
pub fn register(registry: &mut Registry, storage: Storage) {
    registry.register(KIND, move |ctx, job| {
        let storage = storage.clone();
        async move { handle(ctx, job, storage).await }
    });
}

async fn handle(ctx: JobCtx, job: Job, storage: Storage) -> Result<(), JobError> {
    let payload: Payload = serde_json::from_value(job.payload.clone())
        .map_err(|e| JobError::permanent(format!("not a receipt job: {e}")))?;
    // A receipt that does not exist (any more) has nothing to render.
    ensure(ctx.tenant_tx()?, &storage, payload.receipt_id).await?;
    Ok(())
}

/// The PDF of `receipt_id` to show now (the watermarked one once it is
/// cancelled), rendered and stored first when the row has none yet.
/// `None`: no such receipt.
pub async fn ensure(
    mut tx: TenantTx,
    storage: &Storage,
    receipt_id: i64,
) -> Result<Option<Stored>, RenderError> {
    let Some(row) = source::stored(&mut tx, receipt_id).await? else {
        return Ok(None);
    };
    if let Some(stored) = row.current() {
        return Ok(Some(stored));
    }
    let tenant = tx.tenant().clone();
    let Some(receipt) = source::load(&mut tx, &tenant, receipt_id).await? else {
        return Ok(None);
    };
    // Rendering takes tens of milliseconds: the pooled connection (shared
    // by every tenant) goes back first, and a second transaction records.
    let mut writer = tx.sibling();
    tx.commit().await?;
    // The slot follows what was rendered (a cancellation may have landed
    // between the two reads).
    let cancelled = receipt.cancelled;
    let bytes = pdf::render(receipt).await?;
    let stored = store(storage, &tenant, row.year, row.number, &bytes).await?;
    let kept = record(&mut writer, receipt_id, cancelled, stored).await?;
    writer.commit().await?;
    Ok(Some(kept))
}

/// Writes the PDF under its content-derived key.
async fn store(
    storage: &Storage,
    tenant: &Arc<Tenant>,
    year: i32,
    number: i32,
    bytes: &[u8],
) -> Result<Stored, RenderError> {
    let sha256 = Sha256::digest(bytes).to_vec();
    let key = key(year, number, &sha256);
    storage.put(tenant.id, &key, bytes).await?;
    Ok(Stored { key, sha256 })
}

/// `receipts/2026/000042-0123456789abcdef.pdf`: the hash in the name keeps
/// two renderings of one receipt (before and after cancellation) apart.
pub fn key(year: i32, number: i32, sha256: &[u8]) -> String {
    let hex: String = sha256.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("receipts/{year}/{number:06}-{hex}.pdf")
}

/// Sets the key on the row unless another run did first; returns the key
/// the row holds.
async fn record(
    tx: &mut TenantTx,
    receipt_id: i64,
    cancelled: bool,
    stored: Stored,
) -> Result<Stored, RenderError> {
    let (key, sha256) = if cancelled {
        let row = sqlx::query!(
            r#"UPDATE receipts
               SET void_storage_key = coalesce(void_storage_key, $2),
                   void_sha256 = coalesce(void_sha256, $3)
               WHERE id = $1
               RETURNING void_storage_key AS "key!", void_sha256 AS "sha256!""#,
            receipt_id,
            stored.key,
            stored.sha256
        )
        .fetch_one(tx.conn().await?)
        .await?;
        (row.key, row.sha256)
    } else {
        let row = sqlx::query!(
            r#"UPDATE receipts
               SET storage_key = coalesce(storage_key, $2), sha256 = coalesce(sha256, $3)
               WHERE id = $1
               RETURNING storage_key AS "key!", sha256 AS "sha256!""#,
            receipt_id,
            stored.key,
            stored.sha256
        )
        .fetch_one(tx.conn().await?)
        .await?;
        (row.key, row.sha256)
    };
    Ok(Stored { key, sha256 })
}
