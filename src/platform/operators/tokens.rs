//! Operators' API tokens (`tso_…`): shown once, stored as a digest with a
//! hint, limited to a role no higher than their operator's and to an expiry,
//! and worthless once their operator is deactivated.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sqlx::PgConnection;

use super::model::{OperatorPrincipal, OperatorRole, Via};
use crate::auth::bearer::OPERATOR_TOKEN_PREFIX;
use crate::auth::secret;

/// The longest a token may live.
pub const MAX_DAYS: i64 = 365;

/// A token as listed (never its value).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token named \"{0}\" exists already for this operator")]
    NameTaken(String),
    #[error("a token's name has 1 to 80 characters")]
    BadName,
    #[error("a token lives 1 to {MAX_DAYS} days")]
    BadLifetime,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Makes a token; returns its value, the only copy.
pub async fn issue(
    conn: &mut PgConnection,
    operator_id: i64,
    name: &str,
    role: OperatorRole,
    days: i64,
) -> Result<String, TokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(TokenError::BadName);
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(TokenError::BadLifetime);
    }
    let value = format!("{OPERATOR_TOKEN_PREFIX}{}", secret::generate());
    let hint: String = value.chars().take(10).collect();
    let inserted = sqlx::query_scalar!(
        "INSERT INTO platform.operator_tokens (operator_id, name, hash, hint, role, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (operator_id, name) DO NOTHING RETURNING id",
        operator_id,
        name,
        secret::digest(&value),
        hint,
        role.as_str(),
        Utc::now() + Duration::days(days)
    )
    .fetch_optional(conn)
    .await?;
    match inserted {
        Some(_) => Ok(value),
        None => Err(TokenError::NameTaken(name.to_owned())),
    }
}

/// The operator a presented token stands for, if it is live.
pub async fn find(
    conn: &mut PgConnection,
    value: &str,
) -> Result<Option<OperatorPrincipal>, sqlx::Error> {
    let Some(rest) = value.strip_prefix(OPERATOR_TOKEN_PREFIX) else {
        return Ok(None);
    };
    if !secret::is_well_formed(rest) {
        return Ok(None);
    }
    let row = sqlx::query!(
        r#"UPDATE platform.operator_tokens AS k SET last_used_at = now()
           FROM platform.operators AS o
           WHERE k.hash = $1 AND o.id = k.operator_id AND o.status = 'active'
             AND k.revoked_at IS NULL AND k.expires_at > now()
           RETURNING k.id, k.role, o.id AS operator_id, o.email, o.role AS operator_role"#,
        secret::digest(value)
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|row| OperatorPrincipal {
        id: row.operator_id,
        email: row.email,
        // Never more than the operator holds now.
        role: OperatorRole::from_column(&row.role)
            .min(OperatorRole::from_column(&row.operator_role)),
        via: Via::Api,
        token_id: Some(row.id),
        session_hash: None,
        ip: None,
    }))
}

pub async fn list(
    conn: &mut PgConnection,
    operator_id: i64,
) -> Result<Vec<TokenInfo>, sqlx::Error> {
    sqlx::query_as!(
        TokenInfo,
        "SELECT id, name, hint, role, created_at, expires_at, last_used_at, revoked_at
         FROM platform.operator_tokens WHERE operator_id = $1 ORDER BY created_at DESC",
        operator_id
    )
    .fetch_all(conn)
    .await
}

pub async fn revoke(
    conn: &mut PgConnection,
    operator_id: i64,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.operator_tokens SET revoked_at = now()
         WHERE operator_id = $1 AND name = $2 AND revoked_at IS NULL",
        operator_id,
        name
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token of an operator (deactivation, role change).
pub async fn revoke_all(conn: &mut PgConnection, operator_id: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.operator_tokens SET revoked_at = now()
         WHERE operator_id = $1 AND revoked_at IS NULL",
        operator_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
