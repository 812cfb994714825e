//! The queue's SQL, as the owner role: claiming under a lease, finishing,
//! recurring jobs, and what operators read and do (`tessera jobs`; the
//! console's counts, filtered list and retry are in [`super::overview`]).
//!
//! Every change to a claimed job names the attempt that claimed it, so a
//! worker whose lease ran out (and whose job another worker took) cannot
//! overwrite the newer run's outcome.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;

use super::Job;
use crate::db::Platform;
use crate::model::TenantId;

/// Errors are kept to this many characters.
const MAX_ERROR: usize = 2000;

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Claims up to `limit` due jobs of `kinds` in one statement: pending ones
/// whose time has come and running ones whose lease ran out (their worker
/// died), each leased for `lease`. Jobs other workers are claiming are
/// skipped, not waited for. A job whose lease ran out `max_attempts` times
/// is left to [`bury_expired`]. Only known kinds: during a rolling upgrade
/// an older instance leaves a newer kind to the instances that know it.
pub async fn claim(
    platform: &Platform,
    limit: i64,
    lease: Duration,
    max_attempts: i32,
    kinds: &[String],
) -> Result<Vec<Job>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"UPDATE platform.jobs
           SET state = 'running', attempts = attempts + 1,
               locked_until = now() + $2 * interval '1 millisecond'
           WHERE id IN (
               SELECT id FROM platform.jobs
               WHERE ((state = 'pending' AND run_at <= now())
                      OR (state = 'running' AND locked_until < now() AND attempts < $3))
                 AND kind = ANY($4)
               ORDER BY run_at, id
               LIMIT $1
               FOR UPDATE SKIP LOCKED)
           RETURNING id, tenant_id, kind, payload, attempts, effect_at IS NOT NULL AS "effect_done!""#,
        limit,
        millis(lease),
        max_attempts,
        kinds
    )
    .fetch_all(platform)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Job {
            id: r.id,
            tenant: r.tenant_id.map(TenantId::new),
            kind: r.kind,
            payload: r.payload,
            attempt: r.attempts,
            effect_done: r.effect_done,
        })
        .collect())
}

/// Dead-letters running jobs whose lease ran out on their last attempt: a
/// job that keeps killing or hanging its worker stops being retried.
pub async fn bury_expired(platform: &Platform, max_attempts: i32) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.jobs
         SET state = 'dead', finished_at = now(), locked_until = NULL,
             last_error = 'its worker stopped or timed out on the last attempt'
         WHERE state = 'running' AND locked_until < now() AND attempts >= $1",
        max_attempts
    )
    .execute(platform)
    .await?;
    Ok(done.rows_affected())
}

/// The job succeeded. False if this attempt no longer holds it.
pub async fn complete(platform: &Platform, job: &Job) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.jobs
         SET state = 'done', finished_at = now(), locked_until = NULL, last_error = NULL
         WHERE id = $1 AND state = 'running' AND attempts = $2",
        job.id,
        job.attempt
    )
    .execute(platform)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The job failed: run it again after `delay`, or (`None`) dead-letter it.
pub async fn fail(
    platform: &Platform,
    job: &Job,
    error: &str,
    delay: Option<Duration>,
) -> Result<bool, sqlx::Error> {
    let error: String = error.chars().take(MAX_ERROR).collect();
    let done = sqlx::query!(
        "UPDATE platform.jobs
         SET state = CASE WHEN $3::float8 IS NULL THEN 'dead' ELSE 'pending' END,
             run_at = CASE WHEN $3::float8 IS NULL THEN run_at
                           ELSE now() + $3 * interval '1 millisecond' END,
             finished_at = CASE WHEN $3::float8 IS NULL THEN now() END,
             locked_until = NULL, last_error = $4
         WHERE id = $1 AND state = 'running' AND attempts = $2",
        job.id,
        job.attempt,
        delay.map(millis),
        error
    )
    .execute(platform)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// See [`super::JobCtx::record_effect`]. Whoever holds the job now: the
/// effect happened either way.
pub async fn record_effect(platform: &Platform, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE platform.jobs SET effect_at = coalesce(effect_at, now()) WHERE id = $1",
        id
    )
    .execute(platform)
    .await?;
    Ok(())
}

/// Makes sure one job of each recurring kind is waiting, due `every` from
/// now (a waiting one is left as it is).
pub async fn schedule(
    platform: &Platform,
    recurring: &[(String, Duration)],
) -> Result<(), sqlx::Error> {
    let kinds: Vec<String> = recurring.iter().map(|(kind, _)| kind.clone()).collect();
    let every: Vec<f64> = recurring.iter().map(|(_, every)| millis(*every)).collect();
    sqlx::query!(
        "INSERT INTO platform.jobs (kind, run_at, dedupe_key)
         SELECT kind, now() + every * interval '1 millisecond', 'every:' || kind
         FROM unnest($1::text[], $2::float8[]) AS r (kind, every)
         ON CONFLICT DO NOTHING",
        &kinds,
        &every
    )
    .execute(platform)
    .await?;
    Ok(())
}

/// Deletes finished jobs older than `keep`; dead ones stay for operators.
pub async fn purge_done(platform: &Platform, keep: Duration) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM platform.jobs
         WHERE state = 'done' AND finished_at < now() - $1 * interval '1 millisecond'",
        millis(keep)
    )
    .execute(platform)
    .await?;
    Ok(done.rows_affected())
}

/// A job as operators see it (`tessera jobs list`, the platform host).
#[derive(Debug, Clone, Serialize)]
pub struct JobSummary {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub kind: String,
    pub state: String,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The latest jobs (`dead_only`: the dead-letter queue), newest first.
pub async fn list(
    platform: &Platform,
    dead_only: bool,
    limit: i64,
) -> Result<Vec<JobSummary>, sqlx::Error> {
    sqlx::query_as!(
        JobSummary,
        "SELECT id, tenant_id, kind, state, attempts, run_at, last_error, created_at, finished_at
         FROM platform.jobs
         WHERE NOT $1 OR state = 'dead'
         ORDER BY id DESC
         LIMIT $2",
        dead_only,
        limit
    )
    .fetch_all(platform)
    .await
}

/// Gives a dead job, or a failed one waiting for its next attempt, a fresh
/// set of attempts, due now. False if `id` is neither. The last error is
/// kept: it says why the job needed a hand until a run replaces it.
pub async fn retry<'e>(executor: impl PgExecutor<'e>, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.jobs
         SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL
         WHERE id = $1 AND (state = 'dead' OR (state = 'pending' AND attempts > 0))",
        id
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}
