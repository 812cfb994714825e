//! The job queue for the console: its counts and a page of jobs, and the
//! retry of a failed or dead job, audited with the operator who asked.

use serde::Serialize;
use serde_json::json;

use super::Ops;
use crate::error::AppError;
use crate::jobs::overview::{self, JobCounts, JobFilter, JobLine};
use crate::jobs::queue;
use crate::model::TenantId;
use crate::tenancy::audit::{self, Actor};

/// Jobs on one page of the list.
pub const PAGE: i64 = 50;

/// The states the list can be narrowed to.
pub const STATES: [&str; 5] = ["pending", "running", "failed", "dead", "done"];

/// The counts and one page of the list.
#[derive(Debug, Clone, Serialize)]
pub struct QueuePage {
    pub counts: JobCounts,
    pub jobs: Vec<JobLine>,
    /// The `before` of the next page, when there may be one.
    pub next_before: Option<i64>,
}

/// What a retry did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRetry {
    /// Due now, with a fresh set of attempts.
    Queued,
    /// Pending for the first time, running or done: nothing to retry.
    NotRetryable,
    /// Another job with the same dedupe key is already waiting: that one
    /// will do the work.
    AlreadyWaiting,
}

impl Ops {
    /// The counts, and the page of jobs `filter` selects (newest first).
    pub async fn queue(&self, filter: &JobFilter<'_>) -> Result<QueuePage, AppError> {
        if filter.state.is_some_and(|s| !STATES.contains(&s)) {
            return Err(AppError::BadRequest("unknown job state".into()));
        }
        let counts = overview::counts(&self.platform).await?;
        let filter = JobFilter {
            limit: filter.limit.clamp(1, 200),
            ..filter.clone()
        };
        let jobs = overview::list(&self.platform, &filter).await?;
        let full = jobs.len() as i64 == filter.limit;
        let next_before = jobs.last().filter(|_| full).map(|j| j.id);
        Ok(QueuePage {
            counts,
            jobs,
            next_before,
        })
    }

    /// Retries job `id` (404 if there is none) and records who did.
    pub async fn retry_job(&self, id: i64, actor: &Actor) -> Result<JobRetry, AppError> {
        let mut tx = self.platform.begin().await?;
        let job = overview::lock(&mut *tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        match queue::retry(&mut *tx, id).await {
            Ok(true) => {}
            Ok(false) => return Ok(JobRetry::NotRetryable),
            Err(error) if is_unique_violation(&error) => return Ok(JobRetry::AlreadyWaiting),
            Err(error) => return Err(error.into()),
        }
        let details = json!({ "job": job.id, "kind": job.kind });
        let tenant = job.tenant_id.map(TenantId::new);
        audit::record(&mut tx, actor, "job.retry", tenant, details).await?;
        tx.commit().await?;
        Ok(JobRetry::Queued)
    }
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}
