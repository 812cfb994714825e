//! `Storage`: the files of a tenant (receipt PDFs, documents), written once
//! and read back by key, in a folder of this machine ([`LocalDir`], the
//! default) or an S3-compatible bucket ([`S3`]).
//!
//! Every tenant has its own space: a key is relative to the tenant's root
//! (`<dir>/<tenant id>/…` on disk, `<tenant id>/…` in the bucket), and
//! [`Key`] admits only `[a-z0-9/_.-]` segments without `.`/`..`, empty
//! segments or a leading `/`, so no key can name a file of another tenant
//! or outside the root. Callers never see the tenant prefix: they cannot
//! forget it.
//!
//! Files are write-once: [`Storage::put`] of a key that exists succeeds
//! only when the bytes are the same (a re-run job), and refuses different
//! content; [`Storage::put_file`] refuses any existing key (uploads use
//! fresh random keys). A stored file is never replaced, so a hash recorded
//! beside its key stays true. [`Storage::delete`] removes one file once
//! the row naming it is gone.
//!
//! Reads come whole ([`Storage::get`], for small files) or as a stream
//! ([`Storage::open`], for downloads). Only the bucket can hand out a
//! presigned URL ([`Storage::presign_get`]); with a folder the application
//! streams the file itself.

pub mod key;
pub mod local;
pub mod s3;

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;

pub use key::{Key, KeyError};
pub use local::LocalDir;
pub use s3::S3;

use crate::config::{StorageBackend, StorageConfig};
use crate::model::TenantId;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The key holds other bytes: a stored file is never replaced.
    #[error("{0} already holds different content")]
    Exists(String),
    #[error("storage i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A symbolic link or a stray name inside a tenant's folder.
    #[error("unexpected entry in a tenant's files: {0}")]
    Unexpected(String),
    /// The object store refused or could not be reached (the message
    /// never holds credentials).
    #[error("object store: {0}")]
    Remote(String),
}

/// A file being read: its size when known, and its bytes as they come.
pub struct Download {
    pub size: Option<u64>,
    pub body: Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>,
}

/// What a presigned URL makes the store answer with.
pub struct Presign<'a> {
    pub expires_in: Duration,
    pub content_type: &'a str,
    pub content_disposition: &'a str,
}

/// Where files are kept.
enum Backend {
    Local(LocalDir),
    S3(S3),
}

/// The storage service; cheap to clone.
#[derive(Clone)]
pub struct Storage(Arc<Backend>);

impl Storage {
    /// Files under `dir` on this machine (created when missing).
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self(Arc::new(Backend::Local(LocalDir::new(dir.into()))))
    }

    /// The backend `config` names; `default_dir` when it is a folder
    /// without one of its own.
    pub fn from_config(config: &StorageConfig, default_dir: &Path) -> Result<Self, StorageError> {
        match (config.backend, &config.s3) {
            (StorageBackend::S3, Some(s3)) => Ok(Self(Arc::new(Backend::S3(S3::new(s3)?)))),
            (StorageBackend::S3, None) => Err(StorageError::Remote(
                "storage.backend = \"s3\" needs [storage.s3]".into(),
            )),
            (StorageBackend::Local, _) => Ok(Self::local(
                config.dir.clone().unwrap_or_else(|| default_dir.to_owned()),
            )),
        }
    }

    /// Stores `bytes` under `key` for `tenant`, once. Storing the same bytes
    /// again is a no-op; different bytes are refused with
    /// [`StorageError::Exists`].
    pub async fn put(&self, tenant: TenantId, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.put(tenant, &key, bytes.to_vec()).await,
            Backend::S3(s3) => s3.put(tenant, &key, bytes).await,
        }
    }

    /// Stores the file at `source` under `key`, a key nothing holds yet
    /// (else [`StorageError::Exists`]), streaming it rather than reading
    /// it into memory.
    pub async fn put_file(
        &self,
        tenant: TenantId,
        key: &str,
        source: &Path,
    ) -> Result<(), StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.put_file(tenant, &key, source.to_owned()).await,
            Backend::S3(s3) => s3.put_file(tenant, &key, source).await,
        }
    }

    /// Every stored key of `tenant` with its size, sorted by key (what an
    /// export copies). Files being written (`.tmp-…`) are skipped; a
    /// symbolic link or a name that is not a [`Key`] is refused.
    pub async fn list(&self, tenant: TenantId) -> Result<Vec<(Key, u64)>, StorageError> {
        match &*self.0 {
            Backend::Local(dir) => dir.list(tenant).await,
            Backend::S3(s3) => s3.list(tenant).await,
        }
    }

    /// Removes every file of `tenant` (its purge). Nothing there is fine.
    pub async fn remove_tenant(&self, tenant: TenantId) -> Result<(), StorageError> {
        match &*self.0 {
            Backend::Local(dir) => dir.remove_tenant(tenant).await,
            Backend::S3(s3) => s3.remove_tenant(tenant).await,
        }
    }

    /// The bytes under `key` for `tenant`, or `None` when there are none.
    pub async fn get(&self, tenant: TenantId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.get(tenant, &key).await,
            Backend::S3(s3) => s3.get(tenant, &key).await,
        }
    }

    /// The file under `key`, as a stream, or `None` when there is none.
    pub async fn open(
        &self,
        tenant: TenantId,
        key: &str,
    ) -> Result<Option<Download>, StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.open(tenant, &key).await,
            Backend::S3(s3) => s3.open(tenant, &key).await,
        }
    }

    /// Removes one file; one that is not there is fine.
    pub async fn delete(&self, tenant: TenantId, key: &str) -> Result<(), StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.delete(tenant, &key).await,
            Backend::S3(s3) => s3.delete(tenant, &key).await,
        }
    }

    /// A URL that lets whoever holds it read the file under `key` until it
    /// expires, answered with `presign`'s headers; `None` when the backend
    /// cannot make one (a local folder), and the caller streams the file.
    /// The signature covers the whole object name, tenant id included, so
    /// the URL cannot be edited into another file's.
    pub async fn presign_get(
        &self,
        tenant: TenantId,
        key: &str,
        presign: &Presign<'_>,
    ) -> Result<Option<String>, StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(_) => Ok(None),
            Backend::S3(s3) => s3.presign_get(tenant, &key, presign).await.map(Some),
        }
    }
}
