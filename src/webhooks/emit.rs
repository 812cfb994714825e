//! [`emit`]: what producers call, in their own transaction. One statement
//! finds the active endpoints whose filter takes the event, stores the
//! event (only if one does: nothing would ever read it otherwise) and one
//! delivery per endpoint; then one `webhooks.deliver` job per delivery is
//! queued. All of it commits or rolls back with the producer's change.

use serde_json::json;

use super::event::{self, OWN_PREFIX, TEST_TYPE};
use crate::db::TenantTx;
use crate::jobs::{self, NewJob};

/// The job kind that sends one delivery.
pub const DELIVER_KIND: &str = "webhooks.deliver";
/// Largest `data`, serialized.
pub const MAX_DATA: usize = 64 * 1024;

/// Records `event` (a type such as `commission.created`: dotted lowercase
/// words, see [`event`]) with `data` and queues its deliveries, in `tx`.
///
/// A malformed or reserved (`webhook.…`) type, or `data` over 64 KiB,
/// is refused with [`sqlx::Error::InvalidArgument`] before any statement
/// is sent: the caller's transaction stays usable, so a producer may log
/// the refusal and go on.
pub async fn emit(
    tx: &mut TenantTx,
    event: &str,
    data: serde_json::Value,
) -> Result<(), sqlx::Error> {
    if !event::is_type(event) || event.starts_with(OWN_PREFIX) {
        return Err(sqlx::Error::InvalidArgument(format!(
            "webhooks: \"{}\" is not an event type producers may emit",
            event.chars().take(100).collect::<String>()
        )));
    }
    if data.to_string().len() > MAX_DATA {
        return Err(sqlx::Error::InvalidArgument(format!(
            "webhooks: the data of a {event} event is over {MAX_DATA} bytes"
        )));
    }
    let deliveries = fan_out(tx, event, &data).await?;
    enqueue(tx, &deliveries).await?;
    tracing::debug!(
        event,
        deliveries = deliveries.len(),
        "webhook event emitted"
    );
    Ok(())
}

/// The event and one delivery per active endpoint that wants it, in one
/// statement (the filter rule of [`event::Filter::matches`], in SQL).
async fn fan_out(
    tx: &mut TenantTx,
    event: &str,
    data: &serde_json::Value,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH targets AS (
               SELECT id FROM webhook_endpoints e
               WHERE e.active AND EXISTS (
                   SELECT 1 FROM unnest(e.events) AS f (item)
                   WHERE f.item = '*' OR f.item = $1
                      OR (right(f.item, 2) = '.*' AND starts_with($1, left(f.item, -1))))),
           event AS (
               INSERT INTO webhook_events (event_type, payload)
               SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM targets)
               RETURNING id)
           INSERT INTO webhook_deliveries (endpoint_id, event_id)
           SELECT targets.id, event.id FROM targets, event
           RETURNING id"#,
        event,
        data
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Sends a `webhook.test` event to endpoint `id` alone, whatever its
/// filter and even when disabled (an administrator checking a receiver);
/// false if there is no such endpoint.
pub async fn send_test(tx: &mut TenantTx, id: i64, by: i64) -> Result<bool, sqlx::Error> {
    let data = json!({
        "endpoint_id": id,
        "message": "A test event sent from the webhook's page.",
        "sent_by": by,
    });
    let deliveries = sqlx::query_scalar!(
        r#"WITH target AS (SELECT id FROM webhook_endpoints WHERE id = $1),
           event AS (
               INSERT INTO webhook_events (event_type, payload)
               SELECT $2, $3 WHERE EXISTS (SELECT 1 FROM target)
               RETURNING id)
           INSERT INTO webhook_deliveries (endpoint_id, event_id)
           SELECT target.id, event.id FROM target, event
           RETURNING id"#,
        id,
        TEST_TYPE,
        data
    )
    .fetch_all(tx.conn().await?)
    .await?;
    enqueue(tx, &deliveries).await?;
    Ok(!deliveries.is_empty())
}

/// One job per delivery: each retries (and is given up) on its own, so a
/// dead endpoint never holds back another.
async fn enqueue(tx: &mut TenantTx, deliveries: &[i64]) -> Result<(), sqlx::Error> {
    for id in deliveries {
        let job = NewJob::new(DELIVER_KIND, json!({ "delivery_id": id }));
        jobs::enqueue(tx, job).await?;
    }
    Ok(())
}
