//! SQL of `platform.operators`, their recovery codes and one-time links.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;

use super::model::{Operator, OperatorRole, OperatorStatus};
use crate::auth::{secret, totp};
use crate::crypto::Keyring;

struct Row {
    id: i64,
    email: String,
    display_name: String,
    role: String,
    status: String,
    password_hash: Option<String>,
    two_factor: Option<bool>,
    created_at: DateTime<Utc>,
}

impl From<Row> for Operator {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            role: OperatorRole::from_column(&row.role),
            status: OperatorStatus::from_column(&row.status),
            password_hash: row.password_hash,
            two_factor: row.two_factor.unwrap_or(false),
            created_at: row.created_at,
        }
    }
}

pub async fn find_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> Result<Option<Operator>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id, email, display_name, role, status, password_hash,
                  totp_enabled_at IS NOT NULL AS two_factor, created_at
           FROM platform.operators WHERE lower(email) = lower($1)"#,
        email
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Operator::from))
}

pub async fn find(conn: &mut PgConnection, id: i64) -> Result<Option<Operator>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT id, email, display_name, role, status, password_hash,
                  totp_enabled_at IS NOT NULL AS two_factor, created_at
           FROM platform.operators WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(Operator::from))
}

pub async fn list(conn: &mut PgConnection) -> Result<Vec<Operator>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, email, display_name, role, status, password_hash,
                  totp_enabled_at IS NOT NULL AS two_factor, created_at
           FROM platform.operators ORDER BY lower(email)"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Operator::from).collect())
}

/// A new operator: active with a password, else invited. `None` when the
/// address is taken.
pub async fn create(
    conn: &mut PgConnection,
    email: &str,
    display_name: &str,
    role: OperatorRole,
    password_hash: Option<&str>,
) -> Result<Option<i64>, sqlx::Error> {
    let status = match password_hash {
        Some(_) => OperatorStatus::Active,
        None => OperatorStatus::Invited,
    };
    sqlx::query_scalar!(
        "INSERT INTO platform.operators (email, display_name, role, status, password_hash)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT ((lower(email))) DO NOTHING RETURNING id",
        email,
        display_name,
        role.as_str(),
        status.as_str(),
        password_hash
    )
    .fetch_optional(conn)
    .await
}

pub async fn set_password(
    conn: &mut PgConnection,
    id: i64,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.operators SET password_hash = $2,
                status = CASE status WHEN 'invited' THEN 'active' ELSE status END
         WHERE id = $1",
        id,
        password_hash
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role(
    conn: &mut PgConnection,
    id: i64,
    role: OperatorRole,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.operators SET role = $2 WHERE id = $1 AND role <> $2",
        id,
        role.as_str()
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn deactivate(conn: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.operators SET status = 'deactivated'
         WHERE id = $1 AND status <> 'deactivated'",
        id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The operator's second factor, as stored.
pub struct TotpState {
    pub secret: Option<String>,
    pub enabled: bool,
    pub last_step: Option<i64>,
}

/// The column sealed secrets are bound to.
pub(super) const SECRET_COLUMN: &str = "platform.operators.totp_secret";

pub async fn totp_state(
    conn: &mut PgConnection,
    keyring: &Keyring,
    id: i64,
) -> Result<TotpState, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT totp_secret, totp_secret_sealed, totp_enabled_at IS NOT NULL AS "enabled!",
                  totp_last_step
           FROM platform.operators WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some(row) => TotpState {
            secret: keyring.open_or_clear(
                row.totp_secret_sealed.as_deref(),
                row.totp_secret,
                SECRET_COLUMN,
            ),
            enabled: row.enabled,
            last_step: row.totp_last_step,
        },
        None => TotpState {
            secret: None,
            enabled: false,
            last_step: None,
        },
    })
}

/// The secret being enrolled: the pending one, or a new one.
pub async fn pending_secret(
    conn: &mut PgConnection,
    keyring: &Keyring,
    id: i64,
) -> Result<String, sqlx::Error> {
    let state = totp_state(&mut *conn, keyring, id).await?;
    if let (Some(secret), false) = (state.secret, state.enabled) {
        return Ok(secret);
    }
    let secret = totp::new_secret();
    let sealed = keyring.seal_str(&secret, SECRET_COLUMN)?;
    sqlx::query!(
        "UPDATE platform.operators SET totp_secret = NULL, totp_secret_sealed = $2,
                totp_enabled_at = NULL, totp_last_step = NULL
         WHERE id = $1 AND totp_enabled_at IS NULL",
        id,
        sealed
    )
    .execute(conn)
    .await?;
    Ok(secret)
}

/// Finishes enrolment when `code` matches the pending secret; returns the
/// recovery codes to show once.
pub async fn confirm_totp(
    conn: &mut PgConnection,
    keyring: &Keyring,
    id: i64,
    code: &str,
) -> Result<Option<Vec<String>>, sqlx::Error> {
    let state = totp_state(&mut *conn, keyring, id).await?;
    let Some(secret) = state.secret.filter(|_| !state.enabled) else {
        return Ok(None);
    };
    let Some(step) = totp::matching_step(&secret, code, None, totp::unix_now()) else {
        return Ok(None);
    };
    sqlx::query!(
        "UPDATE platform.operators SET totp_enabled_at = now(), totp_last_step = $2
         WHERE id = $1",
        id,
        step
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some(replace_recovery_codes(conn, id).await?))
}

/// Checks a TOTP or recovery code and consumes it; `false` for a wrong or
/// replayed one.
pub async fn verify_code(
    conn: &mut PgConnection,
    keyring: &Keyring,
    id: i64,
    code: &str,
) -> Result<bool, sqlx::Error> {
    let state = totp_state(&mut *conn, keyring, id).await?;
    let Some(secret) = state.secret.filter(|_| state.enabled) else {
        return Ok(false);
    };
    if let Some(step) = totp::matching_step(&secret, code, state.last_step, totp::unix_now()) {
        // Only a later step is written: two racing requests cannot both pass.
        let done = sqlx::query!(
            "UPDATE platform.operators SET totp_last_step = $2
             WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            id,
            step
        )
        .execute(conn)
        .await?;
        return Ok(done.rows_affected() == 1);
    }
    let normalised = totp::normalise_recovery(code);
    if normalised.len() != 10 {
        return Ok(false);
    }
    let done = sqlx::query!(
        "UPDATE platform.operator_recovery_codes SET used_at = now()
         WHERE operator_id = $1 AND hash = $2 AND used_at IS NULL",
        id,
        secret::digest(&normalised)
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

async fn replace_recovery_codes(
    conn: &mut PgConnection,
    id: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query!(
        "DELETE FROM platform.operator_recovery_codes WHERE operator_id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    let codes: Vec<String> = (0..totp::RECOVERY_CODES)
        .map(|_| totp::recovery_code())
        .collect();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .map(|c| secret::digest(&totp::normalise_recovery(c)))
        .collect();
    sqlx::query!(
        "INSERT INTO platform.operator_recovery_codes (operator_id, hash)
         SELECT $1, unnest($2::bytea[])",
        id,
        &hashes
    )
    .execute(conn)
    .await?;
    Ok(codes)
}

/// Removes the second factor: the next sign-in enrols a new one.
pub async fn reset_totp(conn: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.operators SET totp_secret = NULL, totp_secret_sealed = NULL,
                totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM platform.operator_recovery_codes WHERE operator_id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A one-time link to choose a password, valid for `valid`.
pub async fn issue_link(
    conn: &mut PgConnection,
    id: i64,
    valid: Duration,
) -> Result<String, sqlx::Error> {
    let token = secret::generate();
    sqlx::query!(
        "INSERT INTO platform.operator_links (hash, operator_id, expires_at)
         VALUES ($1, $2, $3)",
        secret::digest(&token),
        id,
        Utc::now() + valid
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// The operator a live link is for, without using it.
pub async fn link_operator(
    conn: &mut PgConnection,
    token: &str,
) -> Result<Option<i64>, sqlx::Error> {
    if !secret::is_well_formed(token) {
        return Ok(None);
    }
    sqlx::query_scalar!(
        "SELECT l.operator_id FROM platform.operator_links AS l
         JOIN platform.operators AS o ON o.id = l.operator_id
         WHERE l.hash = $1 AND l.used_at IS NULL AND l.expires_at > now()
           AND o.status <> 'deactivated'",
        secret::digest(token)
    )
    .fetch_optional(conn)
    .await
}

/// Uses a link once; `None` if it was used, expired or unknown.
pub async fn use_link(conn: &mut PgConnection, token: &str) -> Result<Option<i64>, sqlx::Error> {
    if !secret::is_well_formed(token) {
        return Ok(None);
    }
    sqlx::query_scalar!(
        "UPDATE platform.operator_links SET used_at = now()
         WHERE hash = $1 AND used_at IS NULL AND expires_at > now()
         RETURNING operator_id",
        secret::digest(token)
    )
    .fetch_optional(conn)
    .await
}
