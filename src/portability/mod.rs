//! Moving a tenant: export to one archive, import from it, on this
//! database or another; its schema to another node ([`relocate`]); and the purge of deleted tenants, which needs the
//! same reach (the schema through the provisioner, the files through
//! storage).
//!
//! An archive (`tessera-tenant/1`, a ustar file, see [`archive`]) holds
//! `manifest.json` (versions, the tenant's platform row, each table's
//! columns and sequences, the file list), the schema's tables as text COPY
//! streams taken in one snapshot, the tenant's stored files, and
//! `checksums.json` (rows and SHA-256 per table and per file).
//!
//! It holds password hashes, TOTP secrets and hashed tokens: it is written
//! 0600 and served `no-store`, to operators who may change tenants. The
//! tenant's id changes on import, and what was derived from it is lost:
//! access tokens (JWT), CSRF tokens and renewal links already mailed. What
//! the schema keeps as hashes (sessions, refresh tokens, API keys,
//! one-time links) goes on working. Jobs and mails still queued for the
//! source stay with it.

pub mod archive;
mod copy;
mod export;
mod import;
pub mod manifest;
mod plan;
pub mod purge;
mod relocate;
pub mod tables;

use std::sync::Arc;

use serde::Serialize;

pub use import::ImportOptions;
pub use relocate::Moved;

use crate::storage::{Storage, StorageError};
use crate::tenancy::provision::{ProvisionError, Provisioner};

/// Export, import and purge of tenants. Cheap to clone.
#[derive(Clone)]
pub struct Portability {
    provisioner: Provisioner,
    storage: Storage,
    /// The themes installed here: an archive naming another is refused.
    themes: Arc<[String]>,
}

#[derive(Debug, thiserror::Error)]
pub enum PortabilityError {
    #[error("no tenant has the slug \"{0}\"")]
    NotFound(String),
    /// The archive is not one this binary imports (a client's mistake).
    #[error("archive refused: {0}")]
    Refused(String),
    /// The tenant cannot be exported now (schema quarantined, locked).
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Archive(#[from] archive::ArchiveError),
    #[error(transparent)]
    Provision(#[from] ProvisionError),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub tenant_id: i64,
    pub slug: String,
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
    /// The archive's size and SHA-256 (hex).
    pub bytes: u64,
    pub sha256: String,
}

/// What an import created.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub tenant_id: i64,
    pub slug: String,
    pub default_host: String,
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
}

impl Portability {
    pub fn new(provisioner: Provisioner, storage: Storage, themes: Vec<String>) -> Self {
        Self {
            provisioner,
            storage,
            themes: themes.into(),
        }
    }

    pub fn provisioner(&self) -> &Provisioner {
        &self.provisioner
    }
}
