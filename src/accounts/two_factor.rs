//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s) and recovery codes.
//!
//! A code is accepted in the current step or one step either side (clock
//! drift), and never twice: the last accepted step is stored. Recovery
//! codes are ten random codes shown once, stored as digests, each usable
//! once.

use qrcode::QrCode;
use qrcode::render::svg;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::auth::secret;
use crate::db::TenantTx;

const STEP: u64 = 30;
const RECOVERY_CODES: usize = 10;

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

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The account's 2FA state.
pub struct TotpState {
    pub secret: Option<String>,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

pub async fn state(tx: &mut TenantTx, account_id: i64) -> Result<TotpState, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT totp_secret, totp_enabled_at IS NOT NULL AS enabled, totp_last_step
         FROM accounts WHERE id = $1",
        account_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(match row {
        Some(row) => TotpState {
            secret: row.totp_secret,
            enabled: row.enabled.unwrap_or(false),
            last_step: row.totp_last_step,
        },
        None => TotpState {
            secret: None,
            enabled: false,
            last_step: None,
        },
    })
}

/// Checks a code (TOTP, or else a recovery code) for an account with 2FA
/// and consumes it. `false` for a wrong or replayed code.
pub async fn verify(tx: &mut TenantTx, account_id: i64, code: &str) -> Result<bool, sqlx::Error> {
    let state = state(tx, account_id).await?;
    let Some(secret) = state.secret.filter(|_| state.enabled) else {
        return Ok(false);
    };
    if let Some(step) = matching_step(&secret, code, state.last_step, unix_now()) {
        // Only a step later than the stored one is written: two racing
        // requests with the same code cannot both pass.
        let done = sqlx::query!(
            "UPDATE accounts SET totp_last_step = $2
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            account_id,
            step
        )
        .execute(tx.conn().await?)
        .await?;
        return Ok(done.rows_affected() == 1);
    }
    use_recovery_code(tx, account_id, code).await
}

async fn use_recovery_code(
    tx: &mut TenantTx,
    account_id: i64,
    code: &str,
) -> Result<bool, sqlx::Error> {
    let normalised = normalise_recovery(code);
    if normalised.len() != 10 {
        return Ok(false);
    }
    let done = sqlx::query!(
        "UPDATE recovery_codes SET used_at = now()
         WHERE account_id = $1 AND hash = $2 AND used_at IS NULL",
        account_id,
        secret::digest(&normalised)
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Starts enrolment: a new secret, not yet active.
pub async fn begin(tx: &mut TenantTx, account_id: i64) -> Result<String, sqlx::Error> {
    let secret = new_secret();
    sqlx::query!(
        "UPDATE accounts SET totp_secret = $2, totp_enabled_at = NULL, totp_last_step = NULL
         WHERE id = $1 AND totp_enabled_at IS NULL",
        account_id,
        secret
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(secret)
}

/// Finishes enrolment when `code` matches the pending secret; returns the
/// recovery codes to show once.
pub async fn confirm(
    tx: &mut TenantTx,
    account_id: i64,
    code: &str,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    let state = state(tx, account_id).await?;
    let Some(secret) = state.secret.filter(|_| !state.enabled) else {
        return Ok(None);
    };
    let Some(step) = matching_step(&secret, code, None, unix_now()) else {
        return Ok(None);
    };
    sqlx::query!(
        "UPDATE accounts SET totp_enabled_at = now(), totp_last_step = $2 WHERE id = $1",
        account_id,
        step
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(Some(replace_recovery_codes(tx, account_id).await?))
}

/// Ten fresh recovery codes (`xxxxx-xxxxx`), replacing any earlier ones.
pub async fn replace_recovery_codes(
    tx: &mut TenantTx,
    account_id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let conn = tx.conn().await?;
    sqlx::query!(
        "DELETE FROM recovery_codes WHERE account_id = $1",
        account_id
    )
    .execute(&mut *conn)
    .await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| secret::digest(&normalise_recovery(c)))
        .collect();
    sqlx::query!(
        "INSERT INTO recovery_codes (account_id, hash) SELECT $1, unnest($2::bytea[])",
        account_id,
        &hashes
    )
    .execute(&mut *conn)
    .await?;
    Ok(codes)
}

fn recovery_code() -> String {
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

pub async fn disable(tx: &mut TenantTx, account_id: i64) -> Result<(), sqlx::Error> {
    let conn = tx.conn().await?;
    sqlx::query!(
        "UPDATE accounts SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
         WHERE id = $1",
        account_id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM recovery_codes WHERE account_id = $1",
        account_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
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
