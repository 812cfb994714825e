//! Mails nobody has to send by hand: renewal reminders N days before and
//! after a period ends (`due`), the treasurers' weekly digest (`digest`),
//! and the signed links they carry (`links`) with the pages those links
//! open (`pages`: renew without signing in, unsubscribe).
//!
//! A recurring platform job ([`SWEEP_KIND`], hourly) enqueues one
//! [`KIND`] job per ready tenant (a dedupe key keeps it to one waiting);
//! that job sends the tenant's due reminders in batches of [`BATCH`]
//! payers, one transaction per batch, then the digest if one is due. Each
//! reminder and each digest is recorded in the transaction that queues its
//! mail, so a run cut short anywhere resumes where it stopped and nothing
//! leaves twice.

pub mod digest;
pub mod due;
pub mod links;
pub mod pages;
pub mod renew_link;

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};

use self::links::Linker;
use crate::db::{Database, TenantTx};
use crate::jobs::{self, JobError, NewJob, Registry};
use crate::model::Tenant;
use crate::tenancy::registry;

/// The per-tenant job.
pub const KIND: &str = "contributions.reminders";
/// The platform job that enqueues [`KIND`] for every tenant.
pub const SWEEP_KIND: &str = "platform.contributions.reminders";
/// Payers per transaction.
pub const BATCH: i64 = 100;
/// A guard against a run that would never end (a payer picked again and
/// again): no tenant has this many batches.
const MAX_BATCHES: usize = 100_000;

/// What one run for a tenant did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub batches: usize,
    pub reminders: usize,
    pub digests: usize,
}

/// Registers the sweep and the per-tenant job.
pub fn register(registry: &mut Registry, linker: Linker) {
    registry.every(
        SWEEP_KIND,
        Duration::from_secs(3600),
        |ctx, _job| async move {
            let tenants = registry::list(ctx.platform()).await?;
            for tenant in tenants {
                let ready =
                    tenant.status == "active" && tenant.schema_status.as_deref() == Some("ready");
                if !ready {
                    continue;
                }
                let job = NewJob {
                    dedupe_key: Some(KIND),
                    ..NewJob::new(KIND, serde_json::json!({}))
                };
                let id = crate::model::TenantId::new(tenant.id);
                jobs::enqueue_platform(ctx.platform(), Some(id), job).await?;
            }
            Ok(())
        },
    );
    registry.register(KIND, move |ctx, _job| {
        let linker = linker.clone();
        async move {
            let tenant = ctx.require_tenant()?.clone();
            let today = Utc::now().date_naive();
            let report = run(ctx.db(), tenant, &linker, today, BATCH)
                .await
                .map_err(JobError::from)?;
            tracing::debug!(?report, "contribution reminders");
            Ok(())
        }
    });
}

/// Sends `tenant`'s due reminders as of `today`, `batch` payers per
/// committed transaction, then its weekly digest if due.
pub async fn run(
    db: &Database,
    tenant: Arc<Tenant>,
    linker: &Linker,
    today: NaiveDate,
    batch: i64,
) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    for _ in 0..MAX_BATCHES {
        let mut tx = TenantTx::begin(db, tenant.clone()).await?;
        let done = due::send_batch(&mut tx, linker, today, batch).await?;
        tx.commit().await?;
        report.batches += 1;
        report.reminders += done.mails;
        if (done.payers as i64) < batch {
            break;
        }
    }
    let mut tx = TenantTx::begin(db, tenant).await?;
    report.digests = digest::send_if_due(&mut tx, linker, today).await?;
    tx.commit().await?;
    Ok(report)
}
