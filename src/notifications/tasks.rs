//! The module's jobs: `notifications.deliver` (one notice's mails and
//! pushes, queued by `notify`), and the daily digests — an hourly platform
//! sweep queues one `notifications.digest` job per ready tenant (a dedupe
//! key keeps it to one waiting), which sends the digests that are due in
//! batches, one transaction each, then removes notices past their keep.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::deliver;
use super::mails;
use super::notify::DELIVER_KIND;
use super::service::Notifications;
use crate::db::{Database, TenantTx};
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::model::{Tenant, TenantId};
use crate::tenancy::registry;

/// The per-tenant digest job.
pub const DIGEST_KIND: &str = "notifications.digest";
/// The platform job that queues [`DIGEST_KIND`] for every tenant.
pub const DIGEST_SWEEP_KIND: &str = "platform.notifications.digest";
/// Members per digest transaction.
const DIGEST_BATCH: i64 = 100;
/// A guard against a run that would never end.
const MAX_BATCHES: usize = 10_000;
/// Notices older than this are removed (with their list rows and anything
/// still queued) by the digest job.
pub const KEEP_DAYS: i32 = 400;

#[derive(Deserialize)]
struct DeliverPayload {
    notice_id: i64,
}

pub fn register(registry: &mut Registry, service: Notifications) {
    let deliverer = service.clone();
    registry.register(DELIVER_KIND, move |ctx, job| {
        let service = deliverer.clone();
        async move {
            let payload: DeliverPayload = serde_json::from_value(job.payload)
                .map_err(|e| JobError::Permanent(format!("not a notice: {e}")))?;
            let tenant = ctx.require_tenant()?.clone();
            let report = deliver::run(&service, ctx.db(), tenant, payload.notice_id).await?;
            tracing::debug!(?report, "notifications delivered");
            Ok(())
        }
    });
    registry.every(
        DIGEST_SWEEP_KIND,
        Duration::from_secs(3600),
        |ctx, _job| async move {
            for tenant in registry::list(ctx.platform()).await? {
                let ready =
                    tenant.status == "active" && tenant.schema_status.as_deref() == Some("ready");
                if ready {
                    let job = NewJob {
                        dedupe_key: Some(DIGEST_KIND),
                        ..NewJob::new(DIGEST_KIND, serde_json::json!({}))
                    };
                    let id = TenantId::new(tenant.id);
                    jobs::enqueue_platform(ctx.platform(), Some(id), job).await?;
                }
            }
            Ok(())
        },
    );
    registry.register(DIGEST_KIND, move |ctx, _job| {
        let service = service.clone();
        async move {
            let tenant = ctx.require_tenant()?.clone();
            let sent = digests(&service, ctx.db(), tenant.clone()).await?;
            let removed = forget_old(ctx.db(), tenant).await?;
            tracing::debug!(sent, removed, "notification digests and retention");
            Ok(())
        }
    });
}

/// Removes the notices older than [`KEEP_DAYS`]; returns how many.
pub async fn forget_old(db: &Database, tenant: Arc<Tenant>) -> Result<u64, sqlx::Error> {
    let mut tx = TenantTx::begin(db, tenant).await?;
    let done = sqlx::query!(
        "DELETE FROM notices WHERE created_at < now() - make_interval(days => $1)",
        KEEP_DAYS
    )
    .execute(tx.conn().await?)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Sends every digest due now for `tenant`; returns how many mails.
pub async fn digests(
    service: &Notifications,
    db: &Database,
    tenant: Arc<Tenant>,
) -> Result<usize, sqlx::Error> {
    let mut queued = 0;
    for _ in 0..MAX_BATCHES {
        let mut tx = TenantTx::begin(db, tenant.clone()).await?;
        let sent = mails::send_digests(service, &mut tx, DIGEST_BATCH).await?;
        tx.commit().await?;
        queued += sent.queued;
        if (sent.taken as i64) < DIGEST_BATCH {
            break;
        }
    }
    Ok(queued)
}
