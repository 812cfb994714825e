//! Publishing: each tenant's aggregates ([`crate::contributions::published`])
//! computed in its own transaction and written to
//! `platform.published_figures` through the platform's pool, one row per
//! tenant per day. Daily for every ready tenant (`platform.reporting.publish-all`
//! enqueues a `reporting.publish` job per tenant), at once after a
//! federation link becomes active, and by `tessera reporting publish`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::contributions::published::{self, Figures};
use crate::db::{Database, Platform, TenantTx};
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::model::{Tenant, TenantId};

pub const PUBLISH: &str = "reporting.publish";
const PUBLISH_ALL: &str = "platform.reporting.publish-all";

/// Computes the transaction's tenant's figures for today and writes them.
pub async fn publish_in(tx: &mut TenantTx, platform: &Platform) -> Result<Figures, sqlx::Error> {
    let figures = published::figures(tx, crate::contributions::memberships::today()).await?;
    save(platform, tx.tenant().id, &figures).await?;
    Ok(figures)
}

/// Publishes `tenant` with a transaction of its own (jobs, the CLI).
pub async fn publish(db: &Database, tenant: Arc<Tenant>) -> Result<Figures, sqlx::Error> {
    let mut tx = TenantTx::lazy(db, tenant);
    let figures = publish_in(&mut tx, db.platform()).await?;
    tx.commit().await?;
    Ok(figures)
}

/// Writes (or replaces) the row of `tenant` for the figures' day.
pub async fn save(
    platform: &Platform,
    tenant: TenantId,
    figures: &Figures,
) -> Result<(), sqlx::Error> {
    let by_plan = serde_json::to_value(&figures.by_plan).unwrap_or_else(|_| json!([]));
    let collected = serde_json::to_value(&figures.collected).unwrap_or_else(|_| json!([]));
    let monthly = serde_json::to_value(&figures.monthly).unwrap_or_else(|_| json!([]));
    sqlx::query!(
        "INSERT INTO platform.published_figures
             (tenant_id, day, members, licences, new_members, lapsed, payments, by_plan, collected,
              monthly, schema_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
                 coalesce((SELECT version FROM platform.tenant_schemas WHERE tenant_id = $1), 0))
         ON CONFLICT (tenant_id, day) DO UPDATE
         SET members = EXCLUDED.members, licences = EXCLUDED.licences,
             new_members = EXCLUDED.new_members, lapsed = EXCLUDED.lapsed,
             payments = EXCLUDED.payments, by_plan = EXCLUDED.by_plan,
             collected = EXCLUDED.collected, monthly = EXCLUDED.monthly,
             schema_version = EXCLUDED.schema_version, published_at = now()",
        tenant.get(),
        figures.day,
        figures.members,
        figures.licences,
        figures.new_members,
        figures.lapsed,
        figures.payments,
        by_plan,
        collected,
        monthly
    )
    .execute(platform)
    .await?;
    Ok(())
}

/// Asks for `tenant`'s figures soon (from outside its transaction).
pub async fn enqueue(platform: &Platform, tenant: TenantId) -> Result<(), sqlx::Error> {
    let job = NewJob {
        dedupe_key: Some(PUBLISH),
        ..NewJob::new(PUBLISH, json!({}))
    };
    jobs::enqueue_platform(platform, Some(tenant), job).await?;
    Ok(())
}

/// Every ready, active tenant: the ones that publish.
pub async fn publishing(platform: &Platform) -> Result<Vec<TenantId>, sqlx::Error> {
    Ok(crate::tenancy::registry::list(platform)
        .await?
        .into_iter()
        .filter(|t| t.status == "active" && t.schema_status.as_deref() == Some("ready"))
        .map(|t| TenantId::new(t.id))
        .collect())
}

/// The daily run, and the job of one tenant.
pub fn register(registry: &mut Registry) {
    registry.every(
        PUBLISH_ALL,
        Duration::from_secs(24 * 3600),
        |ctx, _job| async move {
            for tenant in publishing(ctx.platform()).await? {
                enqueue(ctx.platform(), tenant).await?;
            }
            Ok(())
        },
    );
    registry.register(PUBLISH, |ctx, _job| async move {
        let tenant = ctx.require_tenant()?.clone();
        let figures = publish(ctx.db(), tenant).await.map_err(JobError::from)?;
        tracing::debug!(licences = figures.licences, "figures published");
        Ok(())
    });
}
