//! Stripe's webhook signatures: `Stripe-Signature: t=<unix time>,v1=<hex>`
//! (several `v1` while a secret is being rolled), each the HMAC-SHA256 of
//! `"{t}.{body}"` keyed with the endpoint's signing secret (`whsec_…`,
//! used as it is written). A signature older than the tolerance is a
//! replay and refused, as is one from the future beyond it.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or not one Stripe writes")]
    Malformed,
    #[error("the signature is outside the tolerated time window")]
    Stale,
    #[error("no signature matches this endpoint's secret")]
    Mismatch,
}

/// Checks `header` (the `Stripe-Signature` value) for `body` at `now`.
pub fn verify(
    header: &str,
    body: &[u8],
    secret: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => candidates.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if candidates.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - timestamp).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let matches = |candidate: &&str| {
        let Ok(expected) = hex::decode(candidate) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        // Constant-time comparison.
        mac.verify_slice(&expected).is_ok()
    };
    if candidates.iter().any(matches) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(secret: &str, t: i64, body: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())?;
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        Ok(format!(
            "t={t},v1={}",
            hex::encode(mac.finalize().into_bytes())
        ))
    }

    #[test]
    fn a_fresh_signature_by_the_secret_passes_and_nothing_else_does()
    -> Result<(), Box<dyn std::error::Error>> {
        let body = br#"{"id":"evt_1"}"#;
        let header = signed("whsec_abc", 1_000, body)?;
        assert_eq!(verify(&header, body, "whsec_abc", 1_100, 300), Ok(()));
        assert_eq!(
            verify(&header, body, "whsec_other", 1_100, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, b"{}", "whsec_abc", 1_100, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(&header, body, "whsec_abc", 1_400, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify("v1=00", body, "whsec_abc", 1_000, 300),
            Err(SignatureError::Malformed)
        );
        // A rolled secret: one of the two signatures is enough.
        let rolled = format!("{header},v1=deadbeef");
        assert_eq!(verify(&rolled, body, "whsec_abc", 1_000, 300), Ok(()));
        Ok(())
    }
}
