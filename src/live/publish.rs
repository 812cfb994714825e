//! Publishing: `pg_notify` inside the writer's own transaction, so the
//! event is heard only once the change is committed, and never when it
//! is rolled back.

use super::event::{CHANNEL, Envelope, LiveEvent};
use crate::db::TenantTx;

/// Queues `event` for every instance's open streams of `tx`'s tenant (the
/// tenant named in the payload is always the transaction's own).
pub async fn publish(tx: &mut TenantTx, event: &LiveEvent) -> Result<(), sqlx::Error> {
    let payload = Envelope::new(tx.tenant().id, event)
        .encode()
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    sqlx::query!("SELECT FROM pg_notify($1, $2)", CHANNEL, payload)
        .execute(tx.conn().await?)
        .await?;
    Ok(())
}
