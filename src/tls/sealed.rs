//! Private keys at rest: sealed with AES-256-GCM under the storage key,
//! bound to the name they belong to (a sealed key copied onto another row
//! does not open). The key comes from `tls.storage_key`, or from a file made
//! at first start under the data directory.

use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::aead::LessSafeKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;

use super::TlsError;
use crate::config::TlsConfig;
use crate::crypto::{CryptoError, aead};

/// The key file's name under the data directory.
pub const KEY_FILE: &str = "tls-storage.key";

#[derive(Clone)]
pub struct Sealer {
    key: Arc<LessSafeKey>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    pub fn new(key: &[u8; 32]) -> Result<Self, TlsError> {
        Ok(Self {
            key: Arc::new(aead::key(key).map_err(|_| TlsError::Sealing)?),
        })
    }

    /// The configured key, or the one in `data_dir` (made if missing).
    pub fn from_config(config: &TlsConfig, data_dir: &Path) -> Result<Self, TlsError> {
        let encoded = match &config.storage_key {
            Some(key) => key.expose_secret().to_owned(),
            None => key_file(&data_dir.join(KEY_FILE))?,
        };
        let bytes = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .ok_or(TlsError::Config(
                "tls.storage_key must be 32 bytes in base64".into(),
            ))?;
        Self::new(&bytes)
    }

    /// `nonce ‖ ciphertext ‖ tag`; `context` (the hostname) is authenticated.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, TlsError> {
        aead::seal(&self.key, context.as_bytes(), plain).map_err(|_| TlsError::Sealing)
    }

    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, TlsError> {
        aead::open(&self.key, context.as_bytes(), sealed).map_err(|_| TlsError::Sealing)
    }
}

/// Reads the key file, or makes it first (see [`crate::crypto::key_file`]).
fn key_file(path: &Path) -> Result<String, TlsError> {
    let (encoded, made) = crate::crypto::key_file(path).map_err(|error| match error {
        CryptoError::Io(error) => TlsError::from(error),
        _ => TlsError::Sealing,
    })?;
    if made {
        tracing::warn!(path = %path.display(), "made a storage key for certificates' private keys; \
            set tls.storage_key to share one across instances");
    }
    Ok(encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_keys_open_only_for_their_name_and_key() -> Result<(), TlsError> {
        let sealer = Sealer::new(&[3; 32])?;
        let sealed = sealer.seal(b"private key", "club.example.org")?;
        assert!(!sealed.windows(7).any(|w| w == b"private"));
        assert_eq!(sealer.open(&sealed, "club.example.org")?, b"private key");
        assert!(sealer.open(&sealed, "other.example.org").is_err());
        assert!(
            Sealer::new(&[4; 32])?
                .open(&sealed, "club.example.org")
                .is_err()
        );
        assert!(sealer.open(&sealed[..5], "club.example.org").is_err());
        Ok(())
    }
}
