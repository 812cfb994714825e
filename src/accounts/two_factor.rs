//! Members' and staff's TOTP second factor and recovery codes, as stored
//! in their tenant's schema (the codes themselves: [`crate::auth::totp`]).
//!
//! A code is accepted in the current step or one step either side (clock
//! drift), and never twice: the last accepted step is stored. Recovery
//! codes are ten random codes shown once, stored as digests, each usable
//! once. The secret is stored sealed under the configured keyring; one
//! stored in clear by an earlier release is still read until it is sealed.

use crate::auth::secret;
use crate::auth::totp::{
    RECOVERY_CODES, matching_step, new_secret, normalise_recovery, recovery_code, unix_now,
};
use crate::db::TenantTx;

/// The account's 2FA state.
pub struct TotpState {
    pub secret: Option<String>,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

/// The column sealed secrets are bound to.
pub(crate) const SECRET_COLUMN: &str = "accounts.totp_secret";

pub async fn state(tx: &mut TenantTx, account_id: i64) -> Result<TotpState, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT totp_secret, totp_secret_sealed, totp_enabled_at IS NOT NULL AS enabled,
                totp_last_step
         FROM accounts WHERE id = $1",
        account_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(match row {
        Some(row) => TotpState {
            secret: tx.keyring().open_or_clear(
                row.totp_secret_sealed.as_deref(),
                row.totp_secret,
                SECRET_COLUMN,
            ),
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

/// Starts enrolment: a new secret, not yet active.
pub async fn begin(tx: &mut TenantTx, account_id: i64) -> Result<String, sqlx::Error> {
    let secret = new_secret();
    let sealed = tx.keyring().seal_str(&secret, SECRET_COLUMN)?;
    sqlx::query!(
        "UPDATE accounts SET totp_secret = NULL, totp_secret_sealed = $2, totp_enabled_at = NULL,
                totp_last_step = NULL
         WHERE id = $1 AND totp_enabled_at IS NULL",
        account_id,
        sealed
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

pub async fn disable(tx: &mut TenantTx, account_id: i64) -> Result<(), sqlx::Error> {
    let conn = tx.conn().await?;
    sqlx::query!(
        "UPDATE accounts SET totp_secret = NULL, totp_secret_sealed = NULL, totp_enabled_at = NULL,
                totp_last_step = NULL
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
