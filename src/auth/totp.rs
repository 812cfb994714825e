//! TOTP codes (RFC 6238: SHA-1, 6 digits, 30 s) and recovery codes, for
//! both realms: a tenant's accounts and the platform's operators store them
//! in their own tables.
//!
//! A code is accepted in the current step or one step either side (clock
//! drift), and never twice: the caller stores the last accepted step.
//! Recovery codes are ten random codes shown once, stored as digests.

use qrcode::QrCode;
use qrcode::render::svg;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP: u64 = 30;
pub const RECOVERY_CODES: usize = 10;

/// A TOTP generator for `secret_base32`, labelled for authenticator apps.
fn totp(secret_base32: &str, issuer: &str, label: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_base32.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP,
        bytes,
        Some(issuer.to_owned()),
        label.to_owned(),
    )
    .ok()
}

/// A fresh secret (160 bits, base32).
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// The `otpauth://` URL and its QR code as inline SVG, for enrolment.
pub fn enrolment(secret_base32: &str, issuer: &str, label: &str) -> Option<(String, String)> {
    let url = totp(secret_base32, issuer, label)?.get_url();
    let svg = QrCode::new(url.as_bytes())
        .ok()?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    Some((url, svg))
}

/// The time step a code matches, if it matches one after `last_step`.
pub fn matching_step(
    secret_base32: &str,
    code: &str,
    last_step: Option<i64>,
    now: u64,
) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret_base32, "x", "x")?;
    let current = now / STEP;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|step| last_step.is_none_or(|last| *step as i64 > last))
        .find(|step| bool::from(totp.generate(step * STEP).as_bytes().ct_eq(code.as_bytes())))
        .map(|step| step as i64)
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A recovery code as typed, reduced to what is compared.
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A fresh recovery code (`xxxxx-xxxxx`).
pub fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut pick = || {
        let i = rand::Rng::random_range(&mut rng, 0..ALPHABET.len());
        char::from(ALPHABET[i])
    };
    let first: String = (0..5).map(|_| pick()).collect();
    let second: String = (0..5).map(|_| pick()).collect();
    format!("{first}-{second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_code_matches_once_per_step_and_drift_is_allowed() -> TestResult {
        let secret = new_secret();
        let totp = totp(&secret, "x", "x").ok_or("totp")?;
        let now = 1_800_000_000;
        let code = totp.generate(now);
        let step = matching_step(&secret, &code, None, now).ok_or("no match")?;
        assert_eq!(step as u64, now / STEP);
        assert_eq!(
            matching_step(&secret, &code, Some(step), now),
            None,
            "replay"
        );
        assert!(
            matching_step(&secret, &code, None, now + STEP).is_some(),
            "drift"
        );
        assert_eq!(matching_step(&secret, &code, None, now + 3 * STEP), None);
        assert_eq!(matching_step(&secret, "12345", None, now), None);
        Ok(())
    }

    #[test]
    fn the_qr_code_is_inline_svg() -> TestResult {
        let (url, svg) =
            enrolment(&new_secret(), "Vélo Club", "camille@example.org").ok_or("qr")?;
        assert!(url.starts_with("otpauth://totp/"));
        assert!(svg.contains("<svg"));
        Ok(())
    }

    #[test]
    fn recovery_codes_normalise() -> TestResult {
        let code = recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(
            normalise_recovery(&code.to_uppercase()),
            normalise_recovery(&code)
        );
        Ok(())
    }
}
