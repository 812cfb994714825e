//! The durable job queue: work done after a request, on PostgreSQL.
//!
//! Jobs live in `platform.jobs` (migrations/platform/0040_jobs.sql) and carry
//! the tenant they run for (`None`: a platform job).
//!
//! - [`enqueue`] writes a job in the caller's tenant transaction, as the
//!   tenant's own role: it commits or rolls back with the change that asked
//!   for it, and PostgreSQL refuses a job for any other tenant (row-level
//!   security on the role name) and any read of the queue.
//! - [`enqueue_platform`] writes one from outside a tenant transaction.
//! - [`Worker`] claims due jobs (`FOR UPDATE SKIP LOCKED`, under a lease),
//!   runs their [`Registry`] handler with the tenant loaded, then marks them
//!   done, or schedules a retry with exponential back-off, or dead-letters
//!   them after `max_attempts` (or at once for a [`JobError::Permanent`]).
//!   A job whose worker died is claimed again when its lease runs out.
//! - Delivery is *at least once*: a handler may run again after a crash, so
//!   handlers must be idempotent. One with an outside effect (sending a mail)
//!   records it with [`JobCtx::record_effect`] right after the effect and
//!   skips it when [`Job::effect_done`] says it already happened.
//! - [`Registry::every`] declares a recurring platform job (purges, …).
//! - [`relay`] moves jobs enqueued on other nodes into the primary's queue.
//! - [`queue`] has the operators' reads and the retry of a dead job;
//!   [`overview`] what the console lists.

pub mod overview;
pub mod queue;
pub mod relay;
mod worker;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;

pub use worker::{Outcome, Worker, WorkerSettings};

use crate::db::{Database, Platform, TenantTx};
use crate::model::{Tenant, TenantId};

/// A job to enqueue.
pub struct NewJob<'a> {
    /// The handler's name in the [`Registry`]. `platform.*` kinds are the
    /// platform's own: a tenant transaction cannot enqueue them.
    pub kind: &'a str,
    pub payload: serde_json::Value,
    /// Not before this time (default: now).
    pub run_at: Option<DateTime<Utc>>,
    /// At most one pending or running job per tenant and key: enqueueing
    /// another while one waits does nothing.
    pub dedupe_key: Option<&'a str>,
}

impl<'a> NewJob<'a> {
    pub fn new(kind: &'a str, payload: serde_json::Value) -> Self {
        Self {
            kind,
            payload,
            run_at: None,
            dedupe_key: None,
        }
    }
}

/// Enqueues a job for the transaction's tenant IN THE SAME TRANSACTION as
/// the tenant's change (rolled back with it).
pub async fn enqueue(tx: &mut TenantTx, job: NewJob<'_>) -> Result<(), sqlx::Error> {
    let tenant = tx.tenant().id.get();
    // No RETURNING: the tenant's role may insert into the queue, not read it.
    sqlx::query!(
        "INSERT INTO platform.jobs (tenant_id, kind, payload, run_at, dedupe_key)
         VALUES ($1, $2, $3, coalesce($4, now()), $5)
         ON CONFLICT DO NOTHING",
        tenant,
        job.kind,
        job.payload,
        job.run_at,
        job.dedupe_key
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Platform-level jobs (no tenant) and jobs enqueued from outside a tenant
/// transaction. Returns the job's id (the waiting one's, for a dedupe key
/// already queued).
pub async fn enqueue_platform<'e>(
    platform: impl sqlx::PgExecutor<'e>,
    tenant: Option<TenantId>,
    job: NewJob<'_>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH new AS (
               INSERT INTO platform.jobs (tenant_id, kind, payload, run_at, dedupe_key)
               VALUES ($1, $2, $3, coalesce($4, now()), $5)
               ON CONFLICT DO NOTHING
               RETURNING id)
           SELECT id AS "id!" FROM new
           UNION ALL
           SELECT id FROM platform.jobs
           WHERE coalesce(tenant_id, 0) = coalesce($1, 0) AND dedupe_key = $5
             AND state IN ('pending', 'running')
           LIMIT 1"#,
        tenant.map(TenantId::get),
        job.kind,
        job.payload,
        job.run_at,
        job.dedupe_key
    )
    .fetch_one(platform)
    .await
}

/// A claimed job, as its handler sees it.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub tenant: Option<TenantId>,
    pub kind: String,
    pub payload: serde_json::Value,
    /// 1 on the first run.
    pub attempt: i32,
    /// A previous run already recorded its outside effect
    /// ([`JobCtx::record_effect`]): do not repeat it.
    pub effect_done: bool,
}

/// Why a handler failed: retried later, or never.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// May succeed later (network, busy server, database): retried with
    /// back-off, dead-lettered after `max_attempts`.
    #[error("{0}")]
    Retry(String),
    /// Will never succeed (bad payload, tenant gone): dead-lettered now.
    #[error("{0}")]
    Permanent(String),
}

impl JobError {
    pub fn retry(error: impl std::fmt::Display) -> Self {
        Self::Retry(error.to_string())
    }

    pub fn permanent(error: impl std::fmt::Display) -> Self {
        Self::Permanent(error.to_string())
    }
}

impl From<sqlx::Error> for JobError {
    fn from(error: sqlx::Error) -> Self {
        Self::Retry(format!("database: {error}"))
    }
}

/// What a handler runs with.
#[derive(Clone)]
pub struct JobCtx {
    db: Database,
    tenant: Option<Arc<Tenant>>,
}

impl JobCtx {
    pub fn db(&self) -> &Database {
        &self.db
    }

    pub fn platform(&self) -> &Platform {
        self.db.platform()
    }

    /// The job's tenant, loaded when the job was claimed.
    pub fn tenant(&self) -> Option<&Arc<Tenant>> {
        self.tenant.as_ref()
    }

    /// The tenant, for handlers that only make sense for one.
    pub fn require_tenant(&self) -> Result<&Arc<Tenant>, JobError> {
        self.tenant
            .as_ref()
            .ok_or_else(|| JobError::Permanent("a tenant job was enqueued without a tenant".into()))
    }

    /// A transaction on the job's tenant (opened on first use; the handler
    /// commits it).
    pub fn tenant_tx(&self) -> Result<TenantTx, JobError> {
        Ok(TenantTx::lazy(&self.db, self.require_tenant()?.clone()))
    }

    /// Records, at once and for good, that `job`'s outside effect happened:
    /// a later run of the same job (after a crash, or a lost lease) sees
    /// [`Job::effect_done`] and must not repeat it.
    pub async fn record_effect(&self, job: &Job) -> Result<(), JobError> {
        queue::record_effect(self.platform(), job.id).await?;
        Ok(())
    }
}

type HandlerFn = dyn Fn(JobCtx, Job) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync;

/// Handlers by job kind, and the recurring jobs.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<HandlerFn>>,
    recurring: Vec<(String, Duration)>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of `kind` with `handler` (the last registration wins).
    pub fn register<F, Fut>(&mut self, kind: &str, handler: F) -> &mut Self
    where
        F: Fn(JobCtx, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        let handler: Arc<HandlerFn> = Arc::new(move |ctx, job| Box::pin(handler(ctx, job)));
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// A platform job of `kind` (use a `platform.` prefix) run about every
    /// `every`, on one instance at a time: each worker makes sure one is
    /// waiting (a dedupe key keeps it to one across instances). For work
    /// per tenant, the handler enqueues a job per tenant.
    pub fn every<F, Fut>(&mut self, kind: &str, every: Duration, handler: F) -> &mut Self
    where
        F: Fn(JobCtx, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.recurring.retain(|(k, _)| k != kind);
        self.recurring.push((kind.to_owned(), every));
        self.register(kind, handler)
    }

    /// About every `every`, one `each` job per active tenant whose schema
    /// is ready, enqueued by the recurring platform job `kind`; a tenant
    /// whose last `each` has not run yet gets no second (dedupe key).
    pub fn every_tenant(&mut self, kind: &str, each: &'static str, every: Duration) -> &mut Self {
        self.every(kind, every, move |ctx, _job| async move {
            for tenant in crate::tenancy::registry::list(ctx.platform()).await? {
                if tenant.status != "active" || tenant.schema_status.as_deref() != Some("ready") {
                    continue;
                }
                let job = NewJob {
                    dedupe_key: Some(each),
                    ..NewJob::new(each, serde_json::json!({}))
                };
                enqueue_platform(ctx.platform(), Some(TenantId::new(tenant.id)), job).await?;
            }
            Ok(())
        })
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    fn handler(&self, kind: &str) -> Option<Arc<HandlerFn>> {
        self.handlers.get(kind).cloned()
    }
}
