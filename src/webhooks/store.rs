//! The endpoints' SQL, in the caller's tenant transaction. Sealed secrets
//! are written here and read only by the delivery job
//! ([`super::deliver`]): nothing here returns them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::input::Draft;
use crate::db::TenantTx;

/// Endpoints an association may have at once.
pub const MAX_ENDPOINTS: i64 = 20;
/// Hours the old secret still signs after a rotation.
pub const ROTATION_OVERLAP_HOURS: i32 = 24;

/// An endpoint as pages and the API show it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Endpoint {
    pub id: i64,
    pub url: String,
    pub description: String,
    /// Event types, prefixes (`commission.*`) or `*`.
    pub events: Vec<String>,
    /// False: nothing is sent to it.
    pub active: bool,
    /// `manual` (an administrator) or `failing` (every attempt failed for
    /// days); null while active.
    pub disabled_reason: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    /// The first failed attempt since the last delivered one.
    pub failing_since: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still signs.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The account that created it.
    pub created_by: Option<i64>,
}

pub async fn count(tx: &mut TenantTx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM webhook_endpoints"#)
        .fetch_one(tx.conn().await?)
        .await
}

/// Stores a new endpoint with its sealed secret; returns its id.
pub async fn create(
    tx: &mut TenantTx,
    draft: &Draft,
    secret_sealed: &[u8],
    by: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO webhook_endpoints (url, description, events, secret_sealed, created_by)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
        draft.url,
        draft.description,
        draft.events.items(),
        secret_sealed,
        by
    )
    .fetch_one(tx.conn().await?)
    .await
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<Endpoint>, sqlx::Error> {
    sqlx::query_as!(
        Endpoint,
        r#"SELECT id, url, description, events, active, disabled_reason, disabled_at,
                  failing_since, created_at, created_by,
                  CASE WHEN previous_secret_expires_at > now()
                       THEN previous_secret_expires_at END AS previous_secret_valid_until
           FROM webhook_endpoints ORDER BY id"#
    )
    .fetch_all(tx.conn().await?)
    .await
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Endpoint>, sqlx::Error> {
    sqlx::query_as!(
        Endpoint,
        r#"SELECT id, url, description, events, active, disabled_reason, disabled_at,
                  failing_since, created_at, created_by,
                  CASE WHEN previous_secret_expires_at > now()
                       THEN previous_secret_expires_at END AS previous_secret_valid_until
           FROM webhook_endpoints WHERE id = $1"#,
        id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Replaces the URL, description and filter; false if there is no such endpoint.
pub async fn update(tx: &mut TenantTx, id: i64, draft: &Draft) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_endpoints SET url = $2, description = $3, events = $4 WHERE id = $1",
        id,
        draft.url,
        draft.description,
        draft.events.items()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Enables (`reason` None) or disables an endpoint; false when it was so
/// already (or is not there). Enabling forgets its failures, so the
/// automatic disabling counts days afresh.
pub async fn set_active(
    tx: &mut TenantTx,
    id: i64,
    reason: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_endpoints
         SET active = $2::text IS NULL, disabled_reason = $2,
             disabled_at = CASE WHEN $2::text IS NULL THEN NULL ELSE now() END,
             failing_since = CASE WHEN $2::text IS NULL THEN NULL ELSE failing_since END
         WHERE id = $1 AND active <> ($2::text IS NULL)",
        id,
        reason
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts a new sealed secret in force; the one it replaces keeps signing
/// for [`ROTATION_OVERLAP_HOURS`] (an older previous one is dropped).
/// Returns until when the old one signs, or None if there is no such endpoint.
pub async fn rotate(
    tx: &mut TenantTx,
    id: i64,
    secret_sealed: &[u8],
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE webhook_endpoints
           SET previous_secret_sealed = secret_sealed,
               previous_secret_expires_at = now() + make_interval(hours => $3),
               secret_sealed = $2
           WHERE id = $1
           RETURNING previous_secret_expires_at AS "until!""#,
        id,
        secret_sealed,
        ROTATION_OVERLAP_HOURS
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Deletes an endpoint with its deliveries; false if it was not there.
pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM webhook_endpoints WHERE id = $1", id)
        .execute(tx.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}
