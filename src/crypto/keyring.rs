//! The keyring: named AES-256-GCM keys from configuration, one of them
//! active, and the envelope every sealed value is stored in.
//!
//! Envelope: `0x01 ‖ id length ‖ key id ‖ nonce (12) ‖ ciphertext ‖ tag (16)`.
//! The header (version and key id) and the caller's context (the column,
//! e.g. `accounts.phone`) are authenticated, so a value moved to another
//! column, or a key id edited, does not open. The context names the column,
//! not the row or the tenant, so that a tenant exported and imported under
//! a new id keeps values that open.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::aead::LessSafeKey;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::ExposeSecret;

use super::{CryptoError, aead};
use crate::config::CryptoConfig;

const VERSION: u8 = 1;

/// The key file's name under the data directory, when no key is configured.
pub const KEY_FILE: &str = "crypto.key";
/// The id of the key made at first start.
const LOCAL_KEY_ID: &str = "local";

#[derive(Clone)]
pub struct Keyring {
    active: Arc<str>,
    keys: Arc<BTreeMap<String, LessSafeKey>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring of `keys` (id, raw key) sealing with `active`.
    pub fn new(keys: &[(&str, [u8; 32])], active: &str) -> Result<Self, CryptoError> {
        let mut ring = BTreeMap::new();
        for (id, key) in keys {
            check_id(id)?;
            ring.insert((*id).to_owned(), aead::key(key)?);
        }
        if !ring.contains_key(active) {
            return Err(CryptoError::Config(format!(
                "crypto.active names key {active:?}, which crypto.keys does not hold"
            )));
        }
        Ok(Self {
            active: active.into(),
            keys: Arc::new(ring),
        })
    }

    /// The configured keys, or the one in `data_dir` (made if missing).
    pub fn from_config(config: &CryptoConfig, data_dir: &Path) -> Result<Self, CryptoError> {
        match Self::configured(config)? {
            Some(ring) => Ok(ring),
            None => {
                let key = local_key(&data_dir.join(KEY_FILE))?;
                Self::new(&[(LOCAL_KEY_ID, key)], LOCAL_KEY_ID)
            }
        }
    }

    /// The keyring `config` describes, checked (ids, keys, the active one);
    /// `None` when it lists no key, and a key file is to be used instead.
    /// Makes nothing, so `tessera doctor` can call it.
    pub fn configured(config: &CryptoConfig) -> Result<Option<Self>, CryptoError> {
        if config.keys.is_empty() {
            return Ok(None);
        }
        let mut keys = Vec::with_capacity(config.keys.len());
        for (id, encoded) in &config.keys {
            keys.push((id.as_str(), decode_key(id, encoded.expose_secret())?));
        }
        let active = match (&config.active, keys.as_slice()) {
            (Some(active), _) => active.clone(),
            (None, [(only, _)]) => (*only).to_owned(),
            (None, _) => {
                return Err(CryptoError::Config(
                    "crypto.active must name one of several crypto.keys".into(),
                ));
            }
        };
        Self::new(&keys, &active).map(Some)
    }

    /// The id new values are sealed with.
    pub fn active_id(&self) -> &str {
        &self.active
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// Seals `plain` under the active key, bound to `context`.
    pub fn seal(&self, plain: &[u8], context: &str) -> Result<Vec<u8>, CryptoError> {
        let key = self.keys.get(&*self.active).ok_or(CryptoError::Sealing)?;
        let mut envelope = header(&self.active);
        let mut body = aead::seal(key, &aad(&envelope, context), plain)?;
        envelope.append(&mut body);
        Ok(envelope)
    }

    /// Opens an envelope sealed for `context` under any key of the ring.
    pub fn open(&self, sealed: &[u8], context: &str) -> Result<Vec<u8>, CryptoError> {
        let (id, body) = split_header(sealed).ok_or(CryptoError::Malformed)?;
        let key = self
            .keys
            .get(id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let header = &sealed[..sealed.len() - body.len()];
        aead::open(key, &aad(header, context), body)
    }

    /// [`Keyring::seal`] for text.
    pub fn seal_str(&self, plain: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        self.seal(plain.as_bytes(), context)
    }

    /// [`Keyring::seal_str`] for a value that may be absent.
    pub fn seal_optional(
        &self,
        plain: Option<&str>,
        context: &str,
    ) -> Result<Option<Vec<u8>>, CryptoError> {
        plain.map(|plain| self.seal_str(plain, context)).transpose()
    }

    /// [`Keyring::open`] for text sealed with [`Keyring::seal_str`].
    pub fn open_string(&self, sealed: &[u8], context: &str) -> Result<String, CryptoError> {
        String::from_utf8(self.open(sealed, context)?).map_err(|_| CryptoError::Malformed)
    }

    /// A column's value during the move to sealing: the sealed one when
    /// there is one, else the clear one an earlier release wrote. A sealed
    /// value that does not open (its key left the ring) reads as absent,
    /// so what it guards fails closed, and is logged.
    pub fn open_or_clear(
        &self,
        sealed: Option<&[u8]>,
        clear: Option<String>,
        context: &str,
    ) -> Option<String> {
        let Some(sealed) = sealed else {
            return clear;
        };
        self.open_string(sealed, context)
            .map_err(
                |error| tracing::error!(%error, column = context, "a sealed value does not open"),
            )
            .ok()
    }

    /// Opens a value sealed either by this ring for `context`, or by an
    /// earlier release under `legacy`, a key derived for one tenant from
    /// the platform's signing key, with `legacy_context` as its only
    /// associated data: values of that kind still open until re-sealed.
    pub fn open_or_legacy(
        &self,
        sealed: &[u8],
        context: &str,
        (legacy, legacy_context): (&[u8; 32], &str),
    ) -> Result<Vec<u8>, CryptoError> {
        self.open(sealed, context)
            .or_else(|_| aead::open(&aead::key(legacy)?, legacy_context.as_bytes(), sealed))
    }

    /// A column's value, sealed now or clear from an earlier release,
    /// sealed under the active key: `Ok(None)` when there is no value,
    /// `Err` when its sealed form does not open (its key left the ring),
    /// and it must stay as it is.
    pub fn resealed(
        &self,
        sealed: Option<&[u8]>,
        clear: Option<String>,
        context: &str,
    ) -> Result<Option<Vec<u8>>, CryptoError> {
        let plain = match (sealed, clear) {
            (Some(sealed), _) => self.open(sealed, context)?,
            (None, Some(clear)) => clear.into_bytes(),
            (None, None) => return Ok(None),
        };
        self.seal(&plain, context).map(Some)
    }

    /// The envelope header of the active key: every value sealed under it
    /// starts with these bytes, so a query finds the others (stale ones)
    /// with `substring(column FROM 1 FOR length($1::bytea)) <> $1::bytea`.
    pub fn active_prefix(&self) -> Vec<u8> {
        header(&self.active)
    }

    /// Whether `sealed` is under a key other than the active one (and so
    /// due for rotation).
    pub fn is_stale(&self, sealed: &[u8]) -> bool {
        key_id(sealed) != Some(&*self.active)
    }
}

/// The id of the key an envelope was sealed with.
pub fn key_id(sealed: &[u8]) -> Option<&str> {
    split_header(sealed).map(|(id, _)| id)
}

fn header(id: &str) -> Vec<u8> {
    let mut header = Vec::with_capacity(2 + id.len());
    header.push(VERSION);
    // Ids are checked to be 1 to 32 bytes long.
    header.push(id.len() as u8);
    header.extend_from_slice(id.as_bytes());
    header
}

fn split_header(sealed: &[u8]) -> Option<(&str, &[u8])> {
    let (&version, rest) = sealed.split_first()?;
    let (&len, rest) = rest.split_first()?;
    if version != VERSION || rest.len() < usize::from(len) {
        return None;
    }
    let (id, rest) = rest.split_at(usize::from(len));
    Some((std::str::from_utf8(id).ok()?, rest))
}

fn aad(header: &[u8], context: &str) -> Vec<u8> {
    let mut aad = header.to_vec();
    aad.extend_from_slice(context.as_bytes());
    aad
}

fn check_id(id: &str) -> Result<(), CryptoError> {
    let valid = (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(CryptoError::Config(format!(
            "crypto key id {id:?}: 1 to 32 characters among a-z, 0-9, - and _"
        )))
    }
}

fn decode_key(id: &str, encoded: &str) -> Result<[u8; 32], CryptoError> {
    STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| CryptoError::Config(format!("crypto.keys.{id} must be 32 bytes in base64")))
}

fn local_key(path: &Path) -> Result<[u8; 32], CryptoError> {
    let (encoded, made) = super::key_file(path)?;
    if made {
        tracing::warn!(path = %path.display(), "made a key for sealed columns; \
            set crypto.keys to share one across instances, and keep it apart from the database's backups");
    }
    decode_key(LOCAL_KEY_ID, &encoded)
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;
