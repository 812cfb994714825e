//! Random secrets handed to clients (session ids, one-time links, recovery
//! codes, refresh tokens, API keys) and the digests we keep of them.
//!
//! A secret carries 256 bits from the operating system's generator, so a
//! plain SHA-256 digest is enough to store it: nobody can guess a value
//! whose digest matches, and lookups stay one index probe.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh secret, URL-safe (43 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What we store of a secret.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether `value` looks like one of our secrets: a cheap filter that keeps
/// junk cookie values and oversized inputs away from the database.
pub fn is_well_formed(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Lowercase hexadecimal, for ids shown in pages (a session's digest).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The inverse of [`hex`]; `None` on anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || text.len() > 128 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_distinct_and_well_formed() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(is_well_formed(&a));
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&format!("{}'", &a[..42])));
    }

    #[test]
    fn hex_round_trips() {
        let digest = digest("x");
        assert_eq!(unhex(&hex(&digest)), Some(digest));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("abc"), None);
    }
}
