//! The queue as the console shows it: counts by state, a filtered list
//! (newest first, paged by id) and one job looked up for a retry. The
//! retry itself is [`super::queue::retry`], shared with `tessera jobs`.
//!
//! Payloads are never read here: they may hold personal data (addresses).
//! A `pending` job that already ran is shown as `failed`: it failed and
//! waits for its next attempt.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;

use crate::db::Platform;

/// Errors longer than this are cut (with an ellipsis) in the list.
const SHOWN_ERROR: i32 = 300;

/// How many jobs are in each state; `done` counts the last 24 hours only
/// (done jobs are purged after a while anyway).
#[derive(Debug, Clone, Default, Serialize)]
pub struct JobCounts {
    pub pending: i64,
    pub running: i64,
    pub failed: i64,
    pub dead: i64,
    pub done_recently: i64,
}

pub async fn counts(platform: &Platform) -> Result<JobCounts, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT
             count(*) FILTER (WHERE state = 'pending' AND attempts = 0) AS "pending!",
             count(*) FILTER (WHERE state = 'running') AS "running!",
             count(*) FILTER (WHERE state = 'pending' AND attempts > 0) AS "failed!",
             count(*) FILTER (WHERE state = 'dead') AS "dead!",
             count(*) FILTER (WHERE state = 'done' AND finished_at > now() - interval '24 hours')
               AS "done_recently!"
           FROM platform.jobs"#
    )
    .fetch_one(platform)
    .await?;
    Ok(JobCounts {
        pending: row.pending,
        running: row.running,
        failed: row.failed,
        dead: row.dead,
        done_recently: row.done_recently,
    })
}

/// What the list is narrowed to; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct JobFilter<'a> {
    /// `pending`, `running`, `failed`, `dead` or `done`.
    pub state: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub tenant_slug: Option<&'a str>,
    /// Only jobs with a smaller id (the previous page's last).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A job in the console's list: no payload.
#[derive(Debug, Clone, Serialize)]
pub struct JobLine {
    pub id: i64,
    pub tenant_slug: Option<String>,
    pub kind: String,
    /// As shown: `failed` for a pending job that already ran.
    pub state: String,
    pub attempts: i32,
    pub run_at: DateTime<Utc>,
    /// Cut to a few hundred characters.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

pub async fn list(
    platform: &Platform,
    filter: &JobFilter<'_>,
) -> Result<Vec<JobLine>, sqlx::Error> {
    sqlx::query_as!(
        JobLine,
        r#"SELECT j.id, t.slug AS "tenant_slug?", j.kind, s.shown AS "state!", j.attempts,
                  j.run_at, j.created_at,
                  CASE WHEN length(j.last_error) > $6 THEN left(j.last_error, $6) || '…'
                       ELSE j.last_error END AS last_error
           FROM platform.jobs j
           LEFT JOIN platform.tenants t ON t.id = j.tenant_id
           CROSS JOIN LATERAL (SELECT CASE WHEN j.state = 'pending' AND j.attempts > 0
                                           THEN 'failed' ELSE j.state END AS shown) s
           WHERE ($1::text IS NULL OR s.shown = $1)
             AND ($2::text IS NULL OR j.kind = $2)
             AND ($3::text IS NULL OR t.slug = $3)
             AND ($4::bigint IS NULL OR j.id < $4)
           ORDER BY j.id DESC
           LIMIT $5"#,
        filter.state,
        filter.kind,
        filter.tenant_slug,
        filter.before,
        filter.limit,
        SHOWN_ERROR
    )
    .fetch_all(platform)
    .await
}

/// A job about to be retried, locked until the caller's transaction ends
/// so that a worker cannot change it between the check and the retry.
#[derive(Debug, Clone)]
pub struct LockedJob {
    pub id: i64,
    pub tenant_id: Option<i64>,
    pub kind: String,
}

pub async fn lock<'e>(
    executor: impl PgExecutor<'e>,
    id: i64,
) -> Result<Option<LockedJob>, sqlx::Error> {
    sqlx::query_as!(
        LockedJob,
        "SELECT id, tenant_id, kind FROM platform.jobs WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(executor)
    .await
}
