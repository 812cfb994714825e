//! « Download all my data »: a person asks (page or API); the job queue
//! builds a zip of their rows from every module, as JSON and CSV, with
//! their receipts and tax receipts ([`sections`], [`archive`]); it is
//! stored, and a link mailed to them opens it, for them only, for
//! [`LINK_DAYS`] days. One request a day; the daily retention job deletes
//! expired archives.

pub mod archive;
pub mod sections;

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::config::HttpConfig;
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::mail::{self, Mail};
use crate::model::Email;
use crate::storage::Storage;

const BUILD: &str = "privacy.export";
/// How long the mailed link opens the archive.
pub const LINK_DAYS: i64 = 7;

/// One request and, once built, its archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Export {
    pub id: i64,
    pub requested_at: DateTime<Utc>,
    /// When the archive was built; absent while the queue works on it.
    pub ready_at: Option<DateTime<Utc>>,
    pub bytes: Option<i64>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Where to download it (signed in as its owner), while it lasts.
    pub download: Option<String>,
    #[serde(skip)]
    pub storage_key: Option<String>,
}

impl Export {
    fn available(&self) -> bool {
        self.ready_at.is_some() && self.expires_at.is_some_and(|at| at > Utc::now())
    }
}

/// Records `account_id`'s request and queues the archive, in `tx`.
/// Refused while a request of the last 24 hours is pending or available.
pub async fn request(tx: &mut TenantTx, account_id: i64) -> Result<Export, Refusal> {
    let recent = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM privacy_exports
                          WHERE account_id = $1 AND requested_at > now() - interval '1 day'
                            AND (ready_at IS NULL OR expires_at > now())) AS "recent!""#,
        account_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if recent {
        return Err(Refusal::conflict(
            "export-recent",
            "an archive was asked for less than a day ago: it is on its way, or in your mail",
        ));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO privacy_exports (account_id) VALUES ($1) RETURNING id",
        account_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    jobs::enqueue(tx, NewJob::new(BUILD, json!({ "export": id }))).await?;
    let entry = Entry::new("privacy.export.requested")
        .by(account_id)
        .on(account_id)
        .with(json!({ "export": id }));
    audit::record(tx, entry).await?;
    find(tx, account_id, id)
        .await?
        .ok_or(Refusal::NotFound("export"))
}

/// `account_id`'s requests, the latest first.
pub async fn list(tx: &mut TenantTx, account_id: i64) -> Result<Vec<Export>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, requested_at, ready_at, bytes, expires_at, storage_key FROM privacy_exports
         WHERE account_id = $1 ORDER BY requested_at DESC, id DESC LIMIT 20",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut export = Export {
                id: r.id,
                requested_at: r.requested_at,
                ready_at: r.ready_at,
                bytes: r.bytes,
                expires_at: r.expires_at,
                download: None,
                storage_key: r.storage_key,
            };
            if export.available() {
                export.download = Some(format!("/accounts/privacy/exports/{}", export.id));
            }
            export
        })
        .collect())
}

/// `account_id`'s request `id`: another person's is not found.
pub async fn find(
    tx: &mut TenantTx,
    account_id: i64,
    id: i64,
) -> Result<Option<Export>, sqlx::Error> {
    Ok(list(tx, account_id)
        .await?
        .into_iter()
        .find(|export| export.id == id))
}

/// The archive of `account_id`'s request `id`, while its link lasts.
pub async fn archive(
    tx: &mut TenantTx,
    storage: &Storage,
    account_id: i64,
    id: i64,
) -> Result<Option<Vec<u8>>, AppError> {
    let Some(export) = find(tx, account_id, id).await? else {
        return Ok(None);
    };
    let Some(key) = export.storage_key.as_deref().filter(|_| export.available()) else {
        return Ok(None);
    };
    storage
        .get(tx.tenant().id, key)
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))
}

/// Deletes the archives whose link has expired (the file, then the row):
/// what a person downloaded stays theirs, not ours. Returns how many.
pub async fn purge_expired(tx: &mut TenantTx, storage: &Storage) -> Result<u64, JobError> {
    let expired = sqlx::query!(
        "SELECT id, storage_key FROM privacy_exports WHERE expires_at < now() FOR UPDATE SKIP LOCKED"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    for row in &expired {
        if let Some(key) = &row.storage_key {
            storage
                .delete(tx.tenant().id, key)
                .await
                .map_err(JobError::retry)?;
        }
        sqlx::query!("DELETE FROM privacy_exports WHERE id = $1", row.id)
            .execute(tx.conn().await?)
            .await?;
    }
    Ok(expired.len() as u64)
}

/// Builds archives for the queue, and mails their links.
pub fn register(registry: &mut Registry, storage: Storage, http: HttpConfig) {
    registry.register(BUILD, move |ctx, job| {
        let (storage, http) = (storage.clone(), http.clone());
        async move {
            let id = job.payload["export"]
                .as_i64()
                .ok_or_else(|| JobError::permanent("not an export job"))?;
            let mut tx = ctx.tenant_tx()?;
            build(&mut tx, &storage, &http, id).await?;
            tx.commit().await.map_err(JobError::from)?;
            Ok(())
        }
    });
}

async fn build(
    tx: &mut TenantTx,
    storage: &Storage,
    http: &HttpConfig,
    id: i64,
) -> Result<(), JobError> {
    let row = sqlx::query!(
        "SELECT account_id, ready_at FROM privacy_exports WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row.filter(|row| row.ready_at.is_none()) else {
        return Ok(());
    };
    let files = sections::gather(tx, storage, row.account_id)
        .await
        .map_err(JobError::retry)?;
    let mut files = files;
    files.push(archive::File::new("README.txt", readme(tx).into_bytes()));
    let zip = archive::zip(&files).map_err(JobError::permanent)?;
    let mut name = [0u8; 16];
    rand::rng().fill_bytes(&mut name);
    let key = format!("privacy/exports/{}.zip", hex::encode(name));
    storage
        .put(tx.tenant().id, &key, &zip)
        .await
        .map_err(JobError::retry)?;
    let sha256 = Sha256::digest(&zip).to_vec();
    let size = i64::try_from(zip.len()).unwrap_or(i64::MAX);
    sqlx::query!(
        "UPDATE privacy_exports SET ready_at = now(), storage_key = $2, bytes = $3, sha256 = $4,
                expires_at = now() + make_interval(days => $5)
         WHERE id = $1",
        id,
        key,
        size,
        sha256,
        LINK_DAYS as i32
    )
    .execute(tx.conn().await?)
    .await?;
    tell(tx, http, row.account_id, id).await?;
    Ok(())
}

/// Mails the owner the link to their archive.
async fn tell(
    tx: &mut TenantTx,
    http: &HttpConfig,
    account_id: i64,
    id: i64,
) -> Result<(), JobError> {
    let Some(account) = crate::accounts::store::find(tx, account_id).await? else {
        return Ok(());
    };
    let Ok(to) = Email::parse(&account.email) else {
        return Ok(());
    };
    let host = tx.tenant().canonical_host();
    let link = http.tenant_link(host.as_str(), &format!("/accounts/privacy/exports/{id}"));
    let locale = account.locale.unwrap_or_else(|| tx.tenant().locale.clone());
    let mail = Mail {
        to,
        to_name: Some(account.display_name.clone()),
        template: "privacy-export-ready",
        locale,
        data: json!({ "name": account.display_name, "link": link, "days": LINK_DAYS }),
    };
    mail::queue(tx, &mail).await?;
    Ok(())
}

/// What the archive holds, in the association's language.
fn readme(tx: &TenantTx) -> String {
    let name = &tx.tenant().name;
    if tx.tenant().locale.starts_with("fr") {
        format!(
            "Vos données chez {name}\n\n\
             Chaque fichier .json contient une partie de vos données ; les listes existent aussi en .csv \
             (tableur).\n\
             - profile : votre compte (identité, coordonnées, langue)\n\
             - consents, directory : vos consentements (texte accepté, dates) et ce que l'annuaire montre\n\
             - memberships, payments : vos adhésions et vos paiements\n\
             - sepa_mandates : vos mandats de prélèvement (avec l'IBAN)\n\
             - tax_receipts : vos reçus fiscaux ; receipts/ et tax_receipts/ : les PDF\n\
             - activity : le journal des actions faites par vous ou vous concernant\n"
        )
    } else {
        format!(
            "Your data at {name}\n\n\
             Each .json file holds one part of your data; lists are also given as .csv (spreadsheets).\n\
             - profile: your account (identity, contact details, language)\n\
             - consents, directory: your consents (text agreed to, dates) and what the directory shows\n\
             - memberships, payments: your memberships and payments\n\
             - sepa_mandates: your direct debit mandates (with the IBAN)\n\
             - tax_receipts: your tax receipts; receipts/ and tax_receipts/: the PDFs\n\
             - activity: the log of actions by you or about you\n"
        )
    }
}
