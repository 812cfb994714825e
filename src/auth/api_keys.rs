//! API keys of integrations, in the tenant's `api_keys` table.
//!
//! A key reads `tsk_` followed by a 256-bit secret: the prefix lets people
//! (and secret scanners) recognise it. The table keeps its digest and the
//! first characters as a hint. A key acts as the admin who created it, only
//! within its scopes, and only while that person is an active admin.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::role::Role;
use super::scope::Scope;
use super::secret;
use crate::db::TenantTx;

/// What every key starts with.
pub const PREFIX: &str = "tsk_";

/// A key as staff see it in the list (never the key itself).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the key.
    pub hint: String,
    #[schema(value_type = Vec<String>)]
    pub scopes: Vec<Scope>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The key a bearer token names, with who it acts as.
#[derive(Debug, Clone)]
pub struct Holder {
    pub key_id: i64,
    pub account_id: i64,
    pub role: Role,
    pub scopes: Vec<Scope>,
}

/// Whether a bearer token is meant as an API key (rather than a JWT).
pub fn looks_like_key(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// Creates a key and returns it with the value, the only time it is shown.
pub async fn create(
    tx: &mut TenantTx,
    created_by: i64,
    name: &str,
    scopes: &[Scope],
) -> Result<(i64, String), sqlx::Error> {
    let value = format!("{PREFIX}{}", secret::generate());
    let hint: String = value.chars().take(10).collect();
    let scopes: Vec<String> = scopes.iter().map(Scope::to_string).collect();
    let id = sqlx::query_scalar!(
        "INSERT INTO api_keys (hash, hint, name, scopes, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        secret::digest(&value),
        hint,
        name,
        &scopes,
        created_by,
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok((id, value))
}

/// Every key of the tenant, newest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<ApiKey>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, name, hint, scopes, created_by, created_at, last_used_at, revoked_at
         FROM api_keys ORDER BY id DESC LIMIT 500"
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ApiKey {
            id: row.id,
            name: row.name,
            hint: row.hint,
            scopes: parse_scopes(&row.scopes),
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
        .collect())
}

/// Revokes a key; false if it does not exist or was already revoked.
pub async fn revoke(tx: &mut TenantTx, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        id
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The live key `value` names, if its creator is still an active admin.
/// Marks it used (at most once a minute, not on every call).
pub async fn find(tx: &mut TenantTx, value: &str) -> Result<Option<Holder>, sqlx::Error> {
    let Some(secret_part) = value.strip_prefix(PREFIX) else {
        return Ok(None);
    };
    if !secret::is_well_formed(secret_part) {
        return Ok(None);
    }
    let row = sqlx::query!(
        r#"SELECT k.id, k.scopes, a.id AS account_id, a.role,
                  (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute') AS "stale!"
           FROM api_keys k JOIN accounts a ON a.id = k.created_by
           WHERE k.hash = $1 AND k.revoked_at IS NULL
             AND a.status = 'active' AND a.role = 'admin'"#,
        secret::digest(value),
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.stale {
        sqlx::query!(
            "UPDATE api_keys SET last_used_at = now() WHERE id = $1",
            row.id
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(Some(Holder {
        key_id: row.id,
        account_id: row.account_id,
        role: row.role.parse().unwrap_or(Role::Member),
        scopes: parse_scopes(&row.scopes),
    }))
}

fn parse_scopes(stored: &[String]) -> Vec<Scope> {
    stored.iter().filter_map(|s| s.parse().ok()).collect()
}
