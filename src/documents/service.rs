//! `Documents`, the service pages and the API share: a received file
//! checked and normalised (off the async executor, a few at a time), then
//! stored and recorded; a document deleted; the association's limit.
//!
//! Ordering keeps storage and rows in step. An upload writes its file
//! first, under a fresh random key no row names, then inserts the row and
//! commits; if the row or the commit fails the file is deleted, and if
//! even that fails (or the process dies) the file is an orphan nothing
//! refers to, never a row without its file. A deletion commits the row's
//! removal first and deletes the file after, for the same reason.

use std::io::{Read, Write};
use std::net::IpAddr;
use std::sync::Arc;

use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::error::DocumentError;
use super::folders;
use super::images::{self, Bounds};
use super::inspect::{self, Kind};
use super::model::{Document, MAX_DOCUMENT_NAME, Visibility, clean_name, with_extension};
use super::store::{self, NewDocument};
use super::upload::Spooled;
use crate::audit::{self, Entry};
use crate::config::DocumentsConfig;
use crate::db::TenantTx;
use crate::model::TenantId;
use crate::storage::Storage;

/// Images decoded at once by this instance (each may take a few hundred
/// megabytes and a core for a second).
const IMAGE_WORKERS: usize = 2;

#[derive(Clone)]
pub struct Documents(Arc<Inner>);

struct Inner {
    storage: Storage,
    config: DocumentsConfig,
    work: Semaphore,
}

/// Who made a change, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub account_id: i64,
    pub ip: Option<IpAddr>,
}

impl Actor {
    pub fn entry(self, action: &'static str, detail: serde_json::Value) -> Entry<'static> {
        Entry::new(action)
            .by(self.account_id)
            .from(self.ip)
            .with(detail)
    }
}

/// A received file once checked: what it is and where its final bytes are.
pub struct Prepared {
    temp: tempfile::NamedTempFile,
    pub kind: Kind,
    pub size: u64,
    sha256: Vec<u8>,
    /// The name the client gave the file.
    pub file_name: String,
}

/// What staff said about an upload.
pub struct NewUpload<'a> {
    /// The name to show; empty: the file's own name.
    pub name: &'a str,
    pub folder_id: Option<i64>,
    pub visibility: Visibility,
}

impl Documents {
    pub fn new(storage: Storage, config: DocumentsConfig) -> Self {
        Self(Arc::new(Inner {
            storage,
            config,
            work: Semaphore::new(IMAGE_WORKERS),
        }))
    }

    pub fn config(&self) -> &DocumentsConfig {
        &self.0.config
    }

    pub fn storage(&self) -> &Storage {
        &self.0.storage
    }

    /// The association's upload limit in bytes: its own, or the platform's
    /// default, never above the platform's ceiling.
    pub async fn limit(&self, tx: &mut TenantTx) -> Result<u64, sqlx::Error> {
        let config = &self.0.config;
        let own = store::upload_limit(tx).await?;
        let limit = own.and_then(|n| u64::try_from(n).ok());
        Ok(limit
            .unwrap_or(config.max_upload_bytes)
            .min(config.max_upload_bytes_ceiling))
    }

    /// Recognises the file (refusing what it may not be) and normalises
    /// images.
    pub async fn prepare(&self, file: Spooled) -> Result<Prepared, DocumentError> {
        let _permit = self
            .0
            .work
            .acquire()
            .await
            .map_err(|e| DocumentError::Io(std::io::Error::other(e)))?;
        let bounds = Bounds {
            max_side: self.0.config.image_max_side,
            max_dimension: self.0.config.image_max_dimension,
        };
        tokio::task::spawn_blocking(move || prepare(file, bounds))
            .await
            .map_err(|e| DocumentError::Io(std::io::Error::other(e)))?
    }

    /// Stores `prepared` and records it with `upload`'s details, then
    /// commits `tx` (see the module's note on ordering).
    pub async fn add(
        &self,
        mut tx: TenantTx,
        upload: &NewUpload<'_>,
        prepared: Prepared,
        actor: Actor,
    ) -> Result<Document, DocumentError> {
        let given = match upload.name.trim() {
            "" => file_name(&prepared.file_name),
            given => given.to_owned(),
        };
        let name = clean_name(
            &with_extension(&given, prepared.kind.extension()),
            MAX_DOCUMENT_NAME,
        )
        .map_err(|source| DocumentError::Name {
            field: "name",
            source,
        })?;
        let tenant = tx.tenant().id;
        let key = format!("documents/{}", uuid::Uuid::new_v4().simple());
        self.0
            .storage
            .put_file(tenant, &key, prepared.temp.path())
            .await?;
        let recorded = record(&mut tx, upload, &prepared, &name, &key, actor).await;
        let recorded = match recorded {
            Ok(document) => tx.commit().await.map(|()| document).map_err(Into::into),
            Err(refused) => Err(refused),
        };
        if recorded.is_err() {
            self.forget(tenant, &key).await;
        }
        recorded
    }

    /// Stores a prepared image for another module (an announcement's
    /// picture) under `<prefix>/<random>.<ext>` and returns its key;
    /// anything but an image is refused. The caller records the key, and
    /// calls [`Documents::forget`] if it cannot.
    pub async fn keep_image(
        &self,
        tenant: TenantId,
        prefix: &str,
        prepared: Prepared,
    ) -> Result<String, DocumentError> {
        if !prepared.kind.is_image() {
            return Err(DocumentError::Unsupported);
        }
        let key = format!(
            "{prefix}/{}.{}",
            uuid::Uuid::new_v4().simple(),
            prepared.kind.extension()
        );
        self.0
            .storage
            .put_file(tenant, &key, prepared.temp.path())
            .await?;
        Ok(key)
    }

    /// Deletes the document `id`: its row (audited, committed), then its file.
    pub async fn remove(
        &self,
        mut tx: TenantTx,
        id: i64,
        actor: Actor,
    ) -> Result<Document, DocumentError> {
        let tenant = tx.tenant().id;
        let document = store::delete(&mut tx, id)
            .await?
            .ok_or(DocumentError::NotFound)?;
        let detail = json!({ "document": id, "name": document.name });
        audit::record(&mut tx, actor.entry("document.deleted", detail)).await?;
        tx.commit().await?;
        self.forget(tenant, &document.storage_key).await;
        Ok(document)
    }

    /// Deletes a file no row names (or will name). A failure leaves an
    /// orphan, which is logged: it is never served.
    pub async fn forget(&self, tenant: TenantId, key: &str) {
        if let Err(error) = self.0.storage.delete(tenant, key).await {
            tracing::warn!(%tenant, key, %error, "an unreferenced document file was left in storage");
        }
    }
}

async fn record(
    tx: &mut TenantTx,
    upload: &NewUpload<'_>,
    prepared: &Prepared,
    name: &str,
    key: &str,
    actor: Actor,
) -> Result<Document, DocumentError> {
    if let Some(folder) = upload.folder_id {
        folders::find(tx, folder)
            .await?
            .ok_or(DocumentError::NoSuchFolder)?;
    }
    let new = NewDocument {
        folder_id: upload.folder_id,
        name,
        content_type: prepared.kind.mime(),
        size_bytes: i64::try_from(prepared.size).unwrap_or(i64::MAX),
        sha256: &prepared.sha256,
        storage_key: key,
        visibility: upload.visibility,
        uploaded_by: Some(actor.account_id),
    };
    let document = store::insert(tx, &new).await?;
    let detail = json!({
        "document": document.id,
        "name": document.name,
        "visibility": document.visibility,
    });
    audit::record(tx, actor.entry("document.uploaded", detail)).await?;
    Ok(document)
}

/// The name a client gave its file, without the folders some send with it
/// (`C:\fakepath\scan.pdf`) or characters a name may not hold.
fn file_name(sent: &str) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars().filter(|c| !c.is_control()).collect()
}

/// Sniffs, checks the declared type, normalises an image into a new
/// temporary file, and hashes what will be stored.
fn prepare(file: Spooled, bounds: Bounds) -> Result<Prepared, DocumentError> {
    let path = file.temp.path();
    let mut head = Vec::with_capacity(inspect::HEAD);
    std::fs::File::open(path)?
        .take(inspect::HEAD as u64)
        .read_to_end(&mut head)?;
    let sniffed = inspect::sniff(&head, std::fs::File::open(path)?)?;
    let kind = inspect::resolve(sniffed, file.declared.as_deref(), &file.file_name)?;
    let (temp, kind) = match kind.is_image() {
        true => {
            let (bytes, kind) = images::normalise(&std::fs::read(path)?, kind, bounds)?;
            let mut temp = tempfile::NamedTempFile::new()?;
            temp.write_all(&bytes)?;
            temp.flush()?;
            (temp, kind)
        }
        false => (file.temp, kind),
    };
    let (size, sha256) = digest(temp.path())?;
    Ok(Prepared {
        temp,
        kind,
        size,
        sha256,
        file_name: file.file_name,
    })
}

fn digest(path: &std::path::Path) -> std::io::Result<(u64, Vec<u8>)> {
    let mut file = std::fs::File::open(path)?;
    let (mut hasher, mut size) = (Sha256::new(), 0u64);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            return Ok((size, hasher.finalize().to_vec()));
        }
        hasher.update(buffer.get(..read).unwrap_or_default());
        size += read as u64;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_sent_file_name_loses_its_folders() {
        assert_eq!(super::file_name("C:\\fakepath\\scan.pdf"), "scan.pdf");
        assert_eq!(super::file_name("a/b/photo\u{7}.jpg"), "photo.jpg");
        assert_eq!(super::file_name(""), "");
    }
}
