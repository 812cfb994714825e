//! What was sent to an endpoint, newest first, as the endpoint's page and
//! `GET /api/v1/webhook-endpoints/{id}/deliveries` show it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::TenantTx;

/// One event sent (or to send) to one endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub id: i64,
    /// The event's id, sent as `webhook-id` (the same on every attempt).
    pub event_id: String,
    pub event_type: String,
    /// `pending`, `delivered`, `failed` (the retries ran out) or `skipped`
    /// (the endpoint was disabled before it was sent).
    pub state: String,
    pub attempts: i32,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the next attempt is due (roughly: the queue adds some jitter).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Up to `limit` deliveries of `endpoint`, older than delivery `before`.
pub async fn recent(
    tx: &mut TenantTx,
    endpoint: i64,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Delivery>, sqlx::Error> {
    sqlx::query_as!(
        Delivery,
        "SELECT d.id, e.public_id AS event_id, e.event_type, d.state, d.attempts,
                d.last_status, d.last_error, d.last_attempt_at, d.next_attempt_at,
                d.delivered_at, d.created_at
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
         WHERE d.endpoint_id = $1 AND ($2::bigint IS NULL OR d.id < $2)
         ORDER BY d.id DESC
         LIMIT $3",
        endpoint,
        before,
        limit.clamp(1, 100)
    )
    .fetch_all(tx.conn().await?)
    .await
}
