//! A tax receipt's PDF: rendered once, stored under
//! `tax-receipts/<year>/<number>-<hash>.pdf` with its SHA-256 on the row
//! (written only while empty, so the stored file never changes), then
//! mailed to the donor. Job `tax_receipts.render` does both, enqueued in
//! the issuing transaction; a download of a receipt not yet stored renders
//! it the same way. A cancelled receipt is shown with « ANNULÉ » across it,
//! rendered on demand; its stored original stays as it was.

use serde_json::json;
use sha2::{Digest, Sha256};

use super::declaration;
use super::pdf::{self, PdfError, TaxReceiptPdf};
use super::store;
use crate::db::TenantTx;
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::mail::{self, Mail};
use crate::model::Email;
use crate::storage::{Storage, StorageError};

/// The job kind.
pub const KIND: &str = "tax_receipts.render";
/// The mail telling the donor their receipt is ready.
pub const MAIL: &str = "tax-receipt";

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Storage(#[from] StorageError),
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

/// Queues the rendering and mailing of `receipt_id` in the caller's
/// transaction.
pub async fn enqueue(tx: &mut TenantTx, receipt_id: i64) -> Result<(), sqlx::Error> {
    let dedupe = format!("{KIND}:{receipt_id}");
    let mut job = NewJob::new(KIND, json!({ "receipt_id": receipt_id }));
    job.dedupe_key = Some(&dedupe);
    jobs::enqueue(tx, job).await
}

pub fn register(registry: &mut Registry, storage: Storage) {
    registry.register(KIND, move |ctx, job| {
        let storage = storage.clone();
        async move {
            let id = job.payload["receipt_id"]
                .as_i64()
                .ok_or_else(|| JobError::permanent("not a tax receipt job"))?;
            let mut tx = ctx.tenant_tx()?;
            if bytes(&mut tx, &storage, id).await?.is_some() {
                tell_donor(&mut tx, id).await.map_err(JobError::from)?;
            }
            tx.commit().await.map_err(JobError::from)?;
            Ok(())
        }
    });
}

/// The PDF to show now: the stored original (rendered and stored first if
/// need be), or the cancelled copy. `None`: no such receipt.
pub async fn bytes(
    tx: &mut TenantTx,
    storage: &Storage,
    id: i64,
) -> Result<Option<Vec<u8>>, RenderError> {
    let Some(receipt) = store::find(tx, id).await? else {
        return Ok(None);
    };
    let stored = sqlx::query_scalar!("SELECT storage_key FROM tax_receipts WHERE id = $1", id)
        .fetch_one(tx.conn().await?)
        .await?;
    let cancelled = receipt.cancelled_at.is_some();
    if let (Some(key), false) = (&stored, cancelled)
        && let Some(bytes) = storage.get(tx.tenant().id, key).await?
    {
        return Ok(Some(bytes));
    }
    let Some(declaration) = declaration::load(tx).await? else {
        return Ok(None);
    };
    let replaces = match receipt.replaces_id {
        Some(old) => store::find(tx, old).await?.map(|r| r.reference),
        None => None,
    };
    let (year, number) = (receipt.year, receipt.number);
    let input = TaxReceiptPdf {
        organisation_name: tx.tenant().name.clone(),
        declaration,
        receipt,
        replaces,
    };
    let rendered = pdf::render(input).await?;
    if stored.is_none() && !cancelled {
        let sha256 = Sha256::digest(&rendered).to_vec();
        let hex: String = sha256.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let key = format!("tax-receipts/{year}/{number:06}-{hex}.pdf");
        storage.put(tx.tenant().id, &key, &rendered).await?;
        sqlx::query!(
            "UPDATE tax_receipts SET storage_key = $2, sha256 = $3 WHERE id = $1 AND storage_key IS NULL",
            id,
            key,
            sha256
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(Some(rendered))
}

/// Mails the donor that their receipt is ready on the portal.
async fn tell_donor(tx: &mut TenantTx, id: i64) -> Result<(), sqlx::Error> {
    let Some(receipt) = store::find(tx, id).await? else {
        return Ok(());
    };
    if receipt.cancelled_at.is_some() {
        return Ok(());
    }
    let Some(account) = crate::accounts::store::find(tx, receipt.account_id).await? else {
        return Ok(());
    };
    let Ok(to) = Email::parse(&account.email) else {
        return Ok(());
    };
    let (amount, _) = pdf::amount_texts(receipt.amount_minor);
    let locale = account
        .locale
        .clone()
        .unwrap_or_else(|| tx.tenant().locale.clone());
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template: MAIL,
        locale,
        data: json!({
            "name": account.display_name,
            "reference": receipt.reference,
            "amount": amount,
            "when": pdf::when(&receipt),
        }),
    };
    mail::queue(tx, &mail).await
}
