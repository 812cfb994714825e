//! `Storage`: immutable files of a tenant (receipt PDFs, later exports and
//! attachments), written once and read back by key.
//!
//! Every tenant has its own space: a key is relative to the tenant's root
//! (`<dir>/<tenant id>/…` on disk, a prefix in an object store), and
//! [`Key`] admits only `[a-z0-9/_.-]` segments without `.`/`..`, empty
//! segments or a leading `/`, so no key can name a file of another tenant
//! or outside the root.
//!
//! Files are write-once: [`Storage::put`] of a key that exists succeeds
//! only when the bytes are the same (a re-run job), and refuses different
//! content. A stored file is never replaced, so a hash recorded beside its
//! key stays true. Only a local directory backend exists now
//! ([`local::LocalDir`]); an object-store backend becomes another variant
//! of [`Backend`].

pub mod key;
pub mod local;

use std::path::PathBuf;
use std::sync::Arc;

pub use key::{Key, KeyError};
pub use local::LocalDir;

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
}

/// Where files are kept.
enum Backend {
    Local(LocalDir),
}

/// The storage service; cheap to clone.
#[derive(Clone)]
pub struct Storage(Arc<Backend>);

impl Storage {
    /// Files under `dir` on this machine (created when missing).
    pub fn local(dir: impl Into<PathBuf>) -> Self {
        Self(Arc::new(Backend::Local(LocalDir::new(dir.into()))))
    }

    /// Stores `bytes` under `key` for `tenant`, once. Storing the same bytes
    /// again is a no-op; different bytes are refused with
    /// [`StorageError::Exists`].
    pub async fn put(&self, tenant: TenantId, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.put(tenant, &key, bytes.to_vec()).await,
        }
    }

    /// Every stored key of `tenant` with its size, sorted by key (what an
    /// export copies). Files being written (`.tmp-…`) are skipped; a
    /// symbolic link or a name that is not a [`Key`] is refused.
    pub async fn list(&self, tenant: TenantId) -> Result<Vec<(Key, u64)>, StorageError> {
        match &*self.0 {
            Backend::Local(dir) => dir.list(tenant).await,
        }
    }

    /// Removes every file of `tenant` (its purge). Nothing there is fine.
    pub async fn remove_tenant(&self, tenant: TenantId) -> Result<(), StorageError> {
        match &*self.0 {
            Backend::Local(dir) => dir.remove_tenant(tenant).await,
        }
    }

    /// The bytes under `key` for `tenant`, or `None` when there are none.
    pub async fn get(&self, tenant: TenantId, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let key = Key::parse(key)?;
        match &*self.0 {
            Backend::Local(dir) => dir.get(tenant, &key).await,
        }
    }
}
