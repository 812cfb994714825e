//! Encryption at rest: the keyring from `[crypto]` that seals the most
//! sensitive columns (IBANs, phone numbers, 2FA secrets, provider keys), the
//! AES-256-GCM primitive it shares with the other sealers, and owner-only
//! key files.
//!
//! What is sealed, and why there: the keys are in configuration, so a
//! database dump or backup alone reveals none of these values; each
//! envelope names its key, so keys rotate without downtime (old keys stay in
//! the ring until every value is re-sealed under the active one).

pub mod aead;
mod keyring;

use std::path::Path;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub use keyring::{KEY_FILE, Keyring, key_id};

/// One pass of re-sealing over a table: the rows it read (by increasing
/// id, from after `last_id`), how many it sealed under the active key, and
/// how many it had to leave because a value's key has left the ring.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub read: u64,
    pub resealed: u64,
    pub stuck: u64,
    pub last_id: i64,
}

impl Pass {
    /// Counts one row read: resealed, or stuck when one of its values did
    /// not open.
    pub fn count(&mut self, id: i64, done: bool) {
        self.read += 1;
        self.last_id = id;
        if done {
            self.resealed += 1;
        } else {
            self.stuck += 1;
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("crypto: {0}")]
    Config(String),
    #[error("sealing failed")]
    Sealing,
    #[error("not a sealed value")]
    Malformed,
    #[error("sealed under key {0:?}, which the keyring does not hold")]
    UnknownKey(String),
    #[error("sealed value does not open: another key, another column, or altered")]
    Forged,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A value sealed or opened in the middle of a query's work fails as the
/// query would: the callers already carry `sqlx::Error` to a 500.
impl From<CryptoError> for sqlx::Error {
    fn from(error: CryptoError) -> Self {
        sqlx::Error::Encode(Box::new(error))
    }
}

impl From<CryptoError> for crate::error::Refusal {
    fn from(error: CryptoError) -> Self {
        Self::Database(error.into())
    }
}

/// Creates `path` readable by its owner only; fails if it exists.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// The 32-byte key in base64 that `path` holds, made (owner-only) first if
/// missing; whether it was made now. Several instances (or tests) may start
/// at once on one data directory: the key is written to a file of this
/// process's own, then linked into place, which fails if another got there
/// first; then theirs is read. A reader never sees a half-written key.
pub fn key_file(path: &Path) -> Result<(String, bool), CryptoError> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok((existing, false));
    }
    let mut random = [0u8; 40];
    SystemRandom::new()
        .fill(&mut random)
        .map_err(|_| CryptoError::Sealing)?;
    let (key, suffix) = random.split_at(32);
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("key");
    let draft = dir.join(format!(".{name}.{}", hex::encode(suffix)));
    let encoded = STANDARD.encode(key);
    write_private(&draft, &encoded)?;
    let linked = std::fs::hard_link(&draft, path);
    std::fs::remove_file(&draft)?;
    match linked {
        Ok(()) => Ok((encoded, true)),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok((std::fs::read_to_string(path)?, false))
        }
        Err(error) => Err(error.into()),
    }
}
