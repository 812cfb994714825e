//! Jobs enqueued on other nodes. A tenant transaction enqueues into the
//! `platform.jobs` of the database it runs on, so that the job commits or
//! rolls back with the change; for a tenant on a `[[db.nodes]]` server that
//! is the node's table. The relay moves those rows into the primary's
//! queue, where workers claim them, every second.
//!
//! At least once, like the queue: the primary's insert commits before the
//! node's delete, so a crash between the two relays the rows again (a
//! dedupe key still waiting on the primary keeps the copy out).

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::task::JoinHandle;

use crate::db::Platform;

/// Rows moved per round trip.
const BATCH: i64 = 500;
const INTERVAL: Duration = Duration::from_secs(1);

/// One relay per node: `(name, owner connections)`.
pub fn spawn(primary: Platform, nodes: Vec<(String, Platform)>) -> Vec<JoinHandle<()>> {
    nodes
        .into_iter()
        .map(|(name, node)| {
            let primary = primary.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(error) = relay_all(&primary, &node).await {
                        tracing::warn!(node = %name, %error, "job relay failed; trying again");
                    }
                    tokio::time::sleep(INTERVAL).await;
                }
            })
        })
        .collect()
}

/// Moves every pending job of `node` to the primary; how many.
pub async fn relay_all(primary: &Platform, node: &Platform) -> Result<u64, sqlx::Error> {
    let mut moved = 0;
    loop {
        let batch = relay_batch(primary, node).await?;
        moved += batch;
        if batch < BATCH as u64 {
            return Ok(moved);
        }
    }
}

async fn relay_batch(primary: &Platform, node: &Platform) -> Result<u64, sqlx::Error> {
    let mut from = node.begin().await?;
    let rows = sqlx::query!(
        "DELETE FROM platform.jobs WHERE id IN (
             SELECT id FROM platform.jobs WHERE state = 'pending'
             ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING tenant_id, kind, payload, run_at, dedupe_key",
        BATCH
    )
    .fetch_all(&mut *from)
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let tenants: Vec<Option<i64>> = rows.iter().map(|r| r.tenant_id).collect();
    let kinds: Vec<String> = rows.iter().map(|r| r.kind.clone()).collect();
    let payloads: Vec<serde_json::Value> = rows.iter().map(|r| r.payload.clone()).collect();
    let run_at: Vec<DateTime<Utc>> = rows.iter().map(|r| r.run_at).collect();
    let keys: Vec<Option<String>> = rows.iter().map(|r| r.dedupe_key.clone()).collect();
    sqlx::query!(
        "INSERT INTO platform.jobs (tenant_id, kind, payload, run_at, dedupe_key)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::jsonb[], $4::timestamptz[], $5::text[])
         ON CONFLICT DO NOTHING",
        &tenants as &[Option<i64>],
        &kinds,
        &payloads,
        &run_at,
        &keys as &[Option<String>]
    )
    .execute(primary)
    .await?;
    from.commit().await?;
    Ok(rows.len() as u64)
}
