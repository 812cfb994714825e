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

pub use keyring::{KEY_FILE, Keyring, key_id};

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
