//! The worker: a background task per instance that claims due jobs and runs
//! them, at most `workers` at a time.
//!
//! It sleeps between polls without holding a connection of the shared
//! platform pool: the queue's own bookkeeping (claims, outcomes) goes through
//! a connection of its own, and `NOTIFY tessera_jobs` (a trigger on
//! `platform.jobs`, relayed by `tenancy::listen` to [`Worker::waker`]) wakes
//! it as soon as a job is enqueued anywhere.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use super::{Job, JobCtx, JobError, Registry, queue};
use crate::config::JobsConfig;
use crate::db::{Database, Platform};
use crate::tenancy::registry;

/// The built-in recurring job: deletes old finished jobs.
pub const PURGE_KIND: &str = "platform.jobs.purge";

/// How often the worker buries jobs whose worker died and makes sure the
/// recurring jobs are waiting (at most; not more often than it polls).
const HOUSEKEEPING: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub workers: usize,
    pub poll_interval: Duration,
    pub max_attempts: i32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub lease: Duration,
    pub keep_done: Duration,
}

impl From<&JobsConfig> for WorkerSettings {
    fn from(config: &JobsConfig) -> Self {
        Self {
            workers: config.workers,
            poll_interval: Duration::from_millis(config.poll_interval_ms),
            max_attempts: config.max_attempts.max(1),
            backoff_base: Duration::from_millis(config.backoff_base_ms),
            backoff_max: Duration::from_millis(config.backoff_max_ms),
            lease: Duration::from_millis(config.lease_ms),
            keep_done: Duration::from_secs(u64::from(config.keep_done_days) * 86_400),
        }
    }
}

/// What became of a job once run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Failed; runs again after its back-off.
    Retried,
    /// Failed for good (or too often): in the dead-letter queue.
    Dead,
    /// Its lease ran out and another worker holds it now: nothing recorded.
    LostLease,
}

impl Outcome {
    /// The `outcome` label of `tessera_jobs_finished_total`.
    fn label(self, held: bool) -> &'static str {
        match (held, self) {
            (false, _) | (_, Self::LostLease) => "lost_lease",
            (true, Self::Done) => "done",
            (true, Self::Retried) => "retried",
            (true, Self::Dead) => "dead",
        }
    }
}

/// Cheap to clone.
#[derive(Clone)]
pub struct Worker(Arc<Inner>);

struct Inner {
    db: Database,
    queue: Platform,
    registry: Registry,
    kinds: Vec<String>,
    settings: WorkerSettings,
    wake: Arc<Notify>,
}

impl Worker {
    pub fn new(db: Database, mut registry: Registry, settings: WorkerSettings) -> Self {
        let keep = settings.keep_done;
        registry.every(
            PURGE_KIND,
            Duration::from_secs(3600),
            move |ctx, _job| async move {
                let purged = queue::purge_done(ctx.platform(), keep).await?;
                tracing::debug!(purged, "old finished jobs deleted");
                Ok(())
            },
        );
        let kinds = registry.kinds().map(str::to_owned).collect();
        // A connection of its own for the queue's bookkeeping: claims never
        // wait behind requests for a slot of the shared pool, nor take one.
        let queue = db.platform().dedicated(Duration::from_secs(10));
        Self(Arc::new(Inner {
            db,
            queue,
            registry,
            kinds,
            settings,
            wake: Arc::new(Notify::new()),
        }))
    }

    /// Wakes the polling loop (a job was enqueued).
    pub fn waker(&self) -> Arc<Notify> {
        self.0.wake.clone()
    }

    pub fn settings(&self) -> &WorkerSettings {
        &self.0.settings
    }

    /// Runs the polling loop until the platform pool closes (or the task is
    /// aborted). With `workers = 0` the instance runs no jobs.
    pub fn spawn(&self) -> JoinHandle<()> {
        let worker = self.clone();
        tokio::spawn(async move {
            if worker.0.settings.workers > 0 {
                worker.serve().await;
            }
            worker.0.queue.close().await;
        })
    }

    async fn serve(&self) {
        let settings = &self.0.settings;
        let slots = Arc::new(Semaphore::new(settings.workers));
        let mut housekeeping = Instant::now();
        while !self.0.db.platform().is_closed() {
            if Instant::now() >= housekeeping {
                self.housekeep().await;
                housekeeping = Instant::now() + HOUSEKEEPING.max(settings.poll_interval);
            }
            let Ok(first) = slots.clone().acquire_owned().await else {
                return;
            };
            let mut permits = vec![first];
            permits.extend(std::iter::from_fn(|| {
                slots.clone().try_acquire_owned().ok()
            }));
            let wanted = permits.len();
            let claimed = self.claim(wanted).await.unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot claim jobs");
                Vec::new()
            });
            let full = claimed.len() == wanted;
            for (job, permit) in claimed.into_iter().zip(permits) {
                self.run_in_background(job, permit);
            }
            if !full {
                tokio::select! {
                    () = self.0.wake.notified() => {}
                    () = tokio::time::sleep(settings.poll_interval) => {}
                }
            }
        }
    }

    fn run_in_background(&self, job: Job, permit: OwnedSemaphorePermit) {
        let worker = self.clone();
        tokio::spawn(async move {
            if let Err(error) = worker.run(job).await {
                tracing::warn!(%error, "cannot record a job's outcome; it runs again after its lease");
            }
            drop(permit);
        });
    }

    async fn housekeep(&self) {
        let settings = &self.0.settings;
        match queue::bury_expired(&self.0.queue, settings.max_attempts).await {
            Ok(0) => {}
            Ok(n) => tracing::error!(
                jobs = n,
                "jobs dead-lettered: their worker stopped on the last attempt"
            ),
            Err(error) => tracing::warn!(%error, "cannot check the jobs' leases"),
        }
        if let Err(error) = queue::schedule(&self.0.queue, &self.0.registry.recurring).await {
            tracing::warn!(%error, "cannot schedule the recurring jobs");
        }
    }

    /// Claims up to `limit` due jobs of the kinds this worker can run.
    pub async fn claim(&self, limit: usize) -> Result<Vec<Job>, sqlx::Error> {
        let settings = &self.0.settings;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        queue::claim(
            &self.0.queue,
            limit,
            settings.lease,
            settings.max_attempts,
            &self.0.kinds,
        )
        .await
    }

    /// Claims what is due (up to `workers`, at least one) and runs it to the
    /// end: how tests drive the queue without sleeping.
    pub async fn run_once(&self) -> Result<Vec<Outcome>, sqlx::Error> {
        let jobs = self.claim(self.0.settings.workers.max(1)).await?;
        futures::future::try_join_all(jobs.into_iter().map(|job| self.run(job))).await
    }

    /// Runs a claimed job's handler, then records the outcome.
    pub async fn run(&self, job: Job) -> Result<Outcome, sqlx::Error> {
        let result = self.execute(&job).await;
        self.finish(&job, result).await
    }

    /// Runs the handler of a claimed job, with its tenant loaded, for at
    /// most the lease (after which another worker may take the job).
    pub async fn execute(&self, job: &Job) -> Result<(), JobError> {
        let handler = self
            .0
            .registry
            .handler(&job.kind)
            .ok_or_else(|| JobError::Permanent(format!("no handler for \"{}\"", job.kind)))?;
        let tenant = match job.tenant {
            Some(id) => Some(Arc::new(
                registry::find_by_id(self.0.db.platform(), id)
                    .await?
                    .ok_or_else(|| JobError::Permanent(format!("tenant {id} no longer exists")))?,
            )),
            None => None,
        };
        if tenant.is_some() && job.kind.starts_with("platform.") {
            return Err(JobError::Permanent(
                "a platform job cannot run for a tenant".into(),
            ));
        }
        let ctx = JobCtx {
            db: self.0.db.clone(),
            tenant,
        };
        // A task of its own: a panicking handler fails its job, not the worker.
        let mut task = tokio::spawn(handler(ctx, job.clone()));
        match tokio::time::timeout(self.0.settings.lease, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(JobError::Retry("the handler panicked".into())),
            Err(_) => {
                task.abort();
                Err(JobError::Retry(
                    "the handler took longer than the lease".into(),
                ))
            }
        }
    }

    /// Records a run's result: done, retry after back-off, or dead.
    pub async fn finish(
        &self,
        job: &Job,
        result: Result<(), JobError>,
    ) -> Result<Outcome, sqlx::Error> {
        let settings = &self.0.settings;
        let (held, outcome) = match &result {
            Ok(()) => (queue::complete(&self.0.queue, job).await?, Outcome::Done),
            Err(JobError::Retry(error)) if job.attempt < settings.max_attempts => {
                let delay = backoff(settings, job.attempt);
                (
                    queue::fail(&self.0.queue, job, error, Some(delay)).await?,
                    Outcome::Retried,
                )
            }
            Err(error) => (
                queue::fail(&self.0.queue, job, &error.to_string(), None).await?,
                Outcome::Dead,
            ),
        };
        let (id, kind, attempt) = (job.id, job.kind.as_str(), job.attempt);
        metrics::counter!("tessera_jobs_finished_total", "kind" => kind.to_owned(),
            "outcome" => outcome.label(held))
        .increment(1);
        match (&result, held, outcome) {
            (_, false, _) => {
                tracing::warn!(id, kind, attempt, "job's lease ran out before it finished");
                return Ok(Outcome::LostLease);
            }
            (Err(error), _, Outcome::Dead) => {
                tracing::error!(id, kind, attempt, %error, "job dead-lettered")
            }
            (Err(error), _, _) => {
                tracing::warn!(id, kind, attempt, %error, "job failed; will retry")
            }
            (Ok(()), _, _) => tracing::debug!(id, kind, attempt, "job done"),
        }
        Ok(outcome)
    }
}

/// `base * 2^(attempt-1)`, at most `max`, plus up to a quarter more so that
/// jobs that failed together do not all come back at once.
fn backoff(settings: &WorkerSettings, attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let delay = settings
        .backoff_base
        .saturating_mul(1u32 << exponent)
        .min(settings.backoff_max);
    let jitter_ms = u64::try_from(delay.as_millis() / 4).unwrap_or(0);
    delay + Duration::from_millis(rand::random_range(0..=jitter_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let settings = WorkerSettings {
            workers: 1,
            poll_interval: Duration::from_millis(10),
            max_attempts: 5,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            lease: Duration::from_secs(1),
            keep_done: Duration::from_secs(1),
        };
        for (attempt, base) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (40, 1000),
        ] {
            let delay = backoff(&settings, attempt).as_millis();
            assert!(
                (base..=base + base / 4).contains(&delay),
                "{attempt}: {delay}"
            );
        }
    }
}
