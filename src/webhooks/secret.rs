//! Signing secrets and signatures in the Standard Webhooks format
//! (<https://www.standardwebhooks.com>), so that a receiver's existing
//! library verifies what we send:
//!
//! - a secret is `whsec_` and the base64 of 32 random bytes; the bytes are
//!   the HMAC key;
//! - `webhook-signature` is `v1,<base64 of HMAC-SHA256 over
//!   "{webhook-id}.{webhook-timestamp}.{body}">`, one per secret in force,
//!   separated by spaces (during a rotation both the new and the old one).
//!
//! A [`Secret`] never prints: its `Debug` is redacted and it has no
//! `Display`; only [`Secret::reveal`] gives the text, for the one answer
//! that shows it (creation, rotation).

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Random bytes in a secret.
const LENGTH: usize = 32;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(whsec_…)")
    }
}

/// The random source failed, or a stored secret is not one of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the signing secret could not be made or read")]
pub struct SecretError;

impl Secret {
    pub fn generate() -> Result<Self, SecretError> {
        let mut bytes = [0u8; LENGTH];
        SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| SecretError)?;
        Ok(Self(format!("{PREFIX}{}", STANDARD.encode(bytes))))
    }

    /// A secret as stored (after unsealing): `whsec_` and base64.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let key = text.strip_prefix(PREFIX).ok_or(SecretError)?;
        match STANDARD.decode(key) {
            Ok(bytes) if !bytes.is_empty() => Ok(Self(text.to_owned())),
            _ => Err(SecretError),
        }
    }

    /// The text, to show once or to seal.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Vec<u8> {
        let encoded = self.0.strip_prefix(PREFIX).unwrap_or_default();
        STANDARD.decode(encoded).unwrap_or_default()
    }

    /// `v1,<signature>` of one message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length: this cannot fail.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key()) else {
            return String::new();
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// The `webhook-signature` header: one signature per secret, space-separated.
pub fn header(secrets: &[Secret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() -> Result<(), SecretError> {
        // The reference libraries' own test: a receiver's library accepts
        // what we send only if this matches byte for byte.
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
        let signed = secret.sign(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        Ok(())
    }

    #[test]
    fn secrets_are_random_and_never_print() -> Result<(), SecretError> {
        let (a, b) = (Secret::generate()?, Secret::generate()?);
        assert_ne!(a, b);
        assert!(a.reveal().starts_with("whsec_"));
        assert_eq!(Secret::parse(a.reveal())?, a);
        assert!(!format!("{a:?}").contains(&a.reveal()[6..]));
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError)
        );
        assert_eq!(Secret::parse("whsec_!!"), Err(SecretError));
        Ok(())
    }

    #[test]
    fn the_header_carries_one_signature_per_secret() -> Result<(), SecretError> {
        let (new, old) = (Secret::generate()?, Secret::generate()?);
        let both = header(&[new.clone(), old.clone()], "evt_1", 1, b"{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(
            parts,
            [new.sign("evt_1", 1, b"{}"), old.sign("evt_1", 1, b"{}")]
        );
        Ok(())
    }
}
