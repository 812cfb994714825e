//! The `notifications.deliver` job: sends one notice's queued mails and
//! pushes, in batches, each batch in its own transaction.
//!
//! - Mails: a batch of queue rows is taken (`SKIP LOCKED`), each becomes a
//!   themed `mail` job (the tenant's brand, the reader's language) and the
//!   rows are deleted, in one transaction: each mail is queued once.
//! - Pushes: a batch is claimed by moving its rows' `next_at` two minutes
//!   ahead (a runner that dies leaves them due again), sent without holding
//!   a transaction, then the outcomes are written: delivered and refused
//!   rows go, a 404/410 deletes the device, a failure waits with back-off
//!   and is given up after [`MAX_ATTEMPTS`].
//! - A run stops after [`BUDGET`]; whatever is left (a retry waiting, or
//!   more than one run can do) gets a follow-up job, queued in the same
//!   transaction as the last batch's outcomes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

use super::mails;
use super::notify::DELIVER_KIND;
use super::push::{Device, Outcome};
use super::service::Notifications;
use crate::db::{Database, TenantTx};
use crate::jobs::{self, JobError, NewJob};
use crate::model::Tenant;

/// Queue rows per transaction.
const BATCH: i64 = 200;
/// A push failing this many times is given up.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long one run works before handing over to a follow-up job.
const BUDGET: Duration = Duration::from_secs(60);

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub mails: usize,
    pub delivered: usize,
    pub gone: usize,
    pub refused: usize,
    pub retried: usize,
}

/// Sends what is due of notice `notice_id`.
pub async fn run(
    service: &Notifications,
    db: &Database,
    tenant: Arc<Tenant>,
    notice_id: i64,
) -> Result<Report, JobError> {
    let started = Instant::now();
    let mut report = Report::default();
    loop {
        let mut tx = TenantTx::begin(db, tenant.clone()).await?;
        let sent = mails::send_batch(service, &mut tx, notice_id, BATCH).await?;
        tx.commit().await?;
        report.mails += sent.queued;
        if sent.taken < BATCH as usize {
            break;
        }
    }
    while started.elapsed() < BUDGET {
        if push_batch(service, db, &tenant, notice_id, &mut report).await? < BATCH as usize {
            break;
        }
    }
    follow_up(db, tenant, notice_id).await?;
    Ok(report)
}

struct Claimed {
    subscription_id: i64,
    attempts: i32,
    device: Device,
}

/// Claims, sends and settles one batch of pushes; returns how many.
async fn push_batch(
    service: &Notifications,
    db: &Database,
    tenant: &Arc<Tenant>,
    notice_id: i64,
    report: &mut Report,
) -> Result<usize, JobError> {
    let mut tx = TenantTx::begin(db, tenant.clone()).await?;
    let claimed = claim(&mut tx, notice_id).await?;
    if claimed.is_empty() {
        return Ok(0);
    }
    let Some(payload) = payload(&mut tx, notice_id).await? else {
        return Ok(0);
    };
    // Only now: a tenant that never pushes never gets a key. (In the rare
    // case the stored key no longer opens, its devices are dropped here and
    // this batch's sends are refused by their services.)
    let key = service.vapid_key(&mut tx).await.map_err(JobError::retry)?;
    tx.commit().await?;
    let count = claimed.len();
    let shared = Arc::new(Shared {
        payload,
        key,
        contact: service.contact(tenant),
        topic: format!("n{notice_id}"),
    });
    // Each send owns what it uses: the futures run concurrently.
    let sends = claimed.into_iter().map(|c| {
        let (pusher, shared) = (service.pusher().clone(), shared.clone());
        async move {
            let outcome = pusher
                .send(
                    &c.device,
                    &shared.payload,
                    &shared.key,
                    &shared.contact,
                    &shared.topic,
                )
                .await;
            (c.subscription_id, c.attempts, outcome)
        }
    });
    let concurrency = service.config().push_concurrency.max(1);
    let outcomes: Vec<(i64, i32, Outcome)> = futures::stream::iter(sends)
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut tx = TenantTx::begin(db, tenant.clone()).await?;
    settle(&mut tx, notice_id, &outcomes, report).await?;
    tx.commit().await?;
    Ok(count)
}

/// What every push of a batch carries.
struct Shared {
    payload: Vec<u8>,
    key: super::push::vapid::VapidKey,
    contact: String,
    topic: String,
}

async fn claim(tx: &mut TenantTx, notice_id: i64) -> Result<Vec<Claimed>, sqlx::Error> {
    let rows = sqlx::query!(
        "UPDATE notification_push_queue q SET next_at = now() + interval '2 minutes'
         FROM push_subscriptions s
         WHERE s.id = q.subscription_id AND q.notice_id = $1 AND q.subscription_id IN (
             SELECT subscription_id FROM notification_push_queue
             WHERE notice_id = $1 AND next_at <= now()
             ORDER BY subscription_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING q.subscription_id, q.attempts, s.endpoint, s.p256dh, s.auth",
        notice_id,
        BATCH
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            subscription_id: r.subscription_id,
            attempts: r.attempts,
            device: Device {
                endpoint: r.endpoint,
                p256dh: r.p256dh,
                auth: r.auth,
            },
        })
        .collect())
}

/// What the service worker receives (`static/js/sw-push.js`): small
/// enough for any push service (the body is cut to 600 characters).
async fn payload(tx: &mut TenantTx, notice_id: i64) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let notice = sqlx::query!(
        "SELECT kind, title, body, url FROM notices WHERE id = $1",
        notice_id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(notice.map(|n| {
        let body = super::model::clean(&n.body, 600, true);
        json!({
            "title": n.title,
            "body": body,
            "url": n.url,
            "kind": n.kind,
            "tag": format!("notice-{notice_id}"),
        })
        .to_string()
        .into_bytes()
    }))
}

/// The subscriptions of a batch, by what to do with them.
#[derive(Default)]
struct Sorted {
    /// Done with (delivered, refused, or failed too often).
    done: Vec<i64>,
    delivered: Vec<i64>,
    /// Devices to forget (404, 410).
    gone: Vec<i64>,
    /// To try again later.
    later: Vec<i64>,
}

fn sort(outcomes: &[(i64, i32, Outcome)], report: &mut Report) -> Sorted {
    let mut sorted = Sorted::default();
    for (id, attempts, outcome) in outcomes {
        match outcome {
            Outcome::Delivered => {
                report.delivered += 1;
                sorted.delivered.push(*id);
                sorted.done.push(*id);
            }
            Outcome::Gone => {
                report.gone += 1;
                sorted.gone.push(*id);
            }
            Outcome::Refused(why) => {
                report.refused += 1;
                tracing::warn!(subscription = id, %why, "push refused; not retried");
                sorted.done.push(*id);
            }
            Outcome::Retry(why) if attempts + 1 >= MAX_ATTEMPTS => {
                tracing::warn!(subscription = id, %why, "push failed too often; given up");
                sorted.done.push(*id);
            }
            Outcome::Retry(why) => {
                report.retried += 1;
                tracing::debug!(subscription = id, %why, "push failed; will retry");
                sorted.later.push(*id);
            }
        }
    }
    sorted
}

/// Writes the outcomes of a batch.
async fn settle(
    tx: &mut TenantTx,
    notice_id: i64,
    outcomes: &[(i64, i32, Outcome)],
    report: &mut Report,
) -> Result<(), sqlx::Error> {
    let sorted = sort(outcomes, report);
    sqlx::query!(
        "WITH finished AS (
             DELETE FROM notification_push_queue
             WHERE notice_id = $1 AND subscription_id = ANY($2::bigint[])),
         seen AS (
             UPDATE push_subscriptions SET last_success_at = now() WHERE id = ANY($3::bigint[])),
         retried AS (
             UPDATE notification_push_queue
             SET attempts = attempts + 1,
                 next_at = now() + interval '30 seconds' * power(4, attempts)
             WHERE notice_id = $1 AND subscription_id = ANY($4::bigint[]))
         DELETE FROM push_subscriptions WHERE id = ANY($5::bigint[])",
        notice_id,
        &sorted.done,
        &sorted.delivered,
        &sorted.later,
        &sorted.gone
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Queues the next run if pushes of this notice are still waiting.
async fn follow_up(db: &Database, tenant: Arc<Tenant>, notice_id: i64) -> Result<(), JobError> {
    let mut tx = TenantTx::begin(db, tenant).await?;
    let next = sqlx::query_scalar!(
        "SELECT min(next_at) FROM notification_push_queue WHERE notice_id = $1",
        notice_id
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if let Some(at) = next {
        let job = NewJob {
            run_at: Some(at),
            ..NewJob::new(DELIVER_KIND, json!({ "notice_id": notice_id }))
        };
        jobs::enqueue(&mut tx, job).await?;
    }
    tx.commit().await?;
    Ok(())
}
