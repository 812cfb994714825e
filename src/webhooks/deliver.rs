//! The `webhooks.deliver` job: sends one delivery, without holding a
//! transaction while it waits for the receiver.
//!
//! 1. Reads the delivery, its endpoint and event in the job's tenant
//!    transaction (the job's tenant is the only schema it can see, and the
//!    secrets open only with that tenant's key). A delivered one is done
//!    already (a re-run): nothing is sent again. A disabled endpoint's is
//!    skipped, unless it is a test event.
//! 2. Signs `{ "id", "type", "created_at", "data" }` with every secret in
//!    force and POSTs it ([`Sender`]). `webhook-id` is the event's id on
//!    every attempt, so the receiver can drop a repeat; the timestamp and
//!    signatures are fresh each time.
//! 3. Records the attempt. A 2xx is delivered. Anything else is a failure
//!    that the job queue retries with its back-off ([`JobError::Retry`]);
//!    after its last attempt the delivery is `failed` and the job dead.
//!    An endpoint that failed continuously for `disable_after_days` is
//!    disabled, with its reason, and the audit log says so.
//!
//! Events older than [`KEEP_DAYS`] are removed (with their deliveries) a
//! few at a time by each run.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::emit::DELIVER_KIND;
use super::event::TEST_TYPE;
use super::secret::{self, Secret};
use super::sender::{Attempt, Message, Sender};
use super::service::Webhooks;
use super::{address, store};
use crate::audit::{self, Entry};
use crate::db::{Database, TenantTx};
use crate::jobs::{JobError, Registry};
use crate::model::Tenant;

/// Events (and their deliveries) are kept this many days.
pub const KEEP_DAYS: i32 = 30;
/// Old events removed per run at most.
const FORGET_BATCH: i64 = 100;
/// The error kept when the secret no longer opens (an imported tenant).
const SECRET_LOST: &str = "the signing secret cannot be read on this server: rotate it";

#[derive(Deserialize)]
struct Payload {
    delivery_id: i64,
}

/// Runs `webhooks.deliver` jobs.
pub fn register(registry: &mut Registry, webhooks: Webhooks) {
    if webhooks.allow_loopback() {
        tracing::warn!(
            "webhooks.allow_loopback is on: endpoints may be http://127.0.0.1 (tests only)"
        );
    }
    let sender = Sender::new(webhooks.config())
        .map_err(|error| tracing::error!(%error, "webhooks: no delivery client"))
        .ok();
    registry.register(DELIVER_KIND, move |ctx, job| {
        let (webhooks, sender) = (webhooks.clone(), sender.clone());
        async move {
            let sender = sender.ok_or_else(|| JobError::retry("no delivery client"))?;
            let payload: Payload = serde_json::from_value(job.payload)
                .map_err(|e| JobError::permanent(format!("not a delivery: {e}")))?;
            let tenant = ctx.require_tenant()?.clone();
            let delivery = payload.delivery_id;
            run(&webhooks, &sender, ctx.db(), tenant, delivery, job.attempt).await
        }
    });
}

/// A delivery with what sending it needs.
struct Due {
    id: i64,
    state: String,
    endpoint_id: i64,
    url: String,
    active: bool,
    secret_sealed: Vec<u8>,
    previous_sealed: Option<Vec<u8>>,
    public_id: String,
    event_type: String,
    payload: serde_json::Value,
    created_at: DateTime<Utc>,
}

/// The body receivers get.
#[derive(Serialize)]
struct Body<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    created_at: String,
    data: &'a serde_json::Value,
}

/// Sends delivery `id` (attempt `attempt` of its job).
pub async fn run(
    webhooks: &Webhooks,
    sender: &Sender,
    db: &Database,
    tenant: Arc<Tenant>,
    id: i64,
    attempt: i32,
) -> Result<(), JobError> {
    let Some((due, secrets)) = prepare(webhooks, db, &tenant, id).await? else {
        return Ok(());
    };
    let outcome = send(webhooks, sender, &due, &secrets, attempt).await?;
    let mut tx = TenantTx::begin(db, tenant).await?;
    let disable_after = webhooks.config().disable_after_days;
    record(&mut tx, &due, &outcome, Some(disable_after)).await?;
    forget_old(&mut tx).await?;
    tx.commit().await?;
    match outcome.error {
        None => Ok(()),
        Some(error) => Err(JobError::Retry(error)),
    }
}

/// Step 1: the delivery and the secrets to sign it with, or None when
/// there is nothing to send (why is recorded).
async fn prepare(
    webhooks: &Webhooks,
    db: &Database,
    tenant: &Arc<Tenant>,
    id: i64,
) -> Result<Option<(Due, Vec<Secret>)>, JobError> {
    let mut tx = TenantTx::begin(db, tenant.clone()).await?;
    // Gone with its endpoint, or delivered by an earlier run.
    let Some(due) = load(&mut tx, id).await?.filter(|d| d.state != "delivered") else {
        return Ok(None);
    };
    if !due.active && due.event_type != TEST_TYPE {
        let skipped = Outcome::failed("not sent: the endpoint is disabled", "skipped");
        record(&mut tx, &due, &skipped, None).await?;
        tx.commit().await?;
        return Ok(None);
    }
    let refused = address::check(&due.url, webhooks.allow_loopback()).err();
    let (Ok(secrets), None) = (secrets(webhooks, tenant, &due), refused) else {
        // Neither gets better by waiting: the job is given up at once.
        let why = match refused {
            Some(rule) => format!("refused: {rule}"),
            None => SECRET_LOST.to_owned(),
        };
        record(&mut tx, &due, &Outcome::failed(&why, "failed"), None).await?;
        tx.commit().await?;
        return Err(JobError::Permanent(why));
    };
    tx.commit().await?;
    Ok(Some((due, secrets)))
}

/// Step 2: signs the body with every secret and POSTs it.
async fn send(
    webhooks: &Webhooks,
    sender: &Sender,
    due: &Due,
    secrets: &[Secret],
    attempt: i32,
) -> Result<Outcome, JobError> {
    let body = serde_json::to_vec(&Body {
        id: &due.public_id,
        kind: &due.event_type,
        created_at: due.created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        data: &due.payload,
    })
    .map_err(JobError::permanent)?;
    let timestamp = Utc::now().timestamp();
    let signature = secret::header(secrets, &due.public_id, timestamp, &body);
    let message = Message {
        url: &due.url,
        id: &due.public_id,
        timestamp,
        signature: &signature,
        body: body.into(),
    };
    Ok(Outcome::of(sender.send(message).await, webhooks, attempt))
}

/// The secrets in force: the current one, then the previous one during
/// a rotation's overlap (one that does not open is left out).
fn secrets(webhooks: &Webhooks, tenant: &Tenant, due: &Due) -> Result<Vec<Secret>, ()> {
    let current = webhooks
        .open(tenant.id, &due.secret_sealed)
        .map_err(|_| ())?;
    let previous = due
        .previous_sealed
        .as_deref()
        .and_then(|sealed| webhooks.open(tenant.id, sealed).ok());
    Ok(std::iter::once(current).chain(previous).collect())
}

async fn load(tx: &mut TenantTx, id: i64) -> Result<Option<Due>, sqlx::Error> {
    sqlx::query_as!(
        Due,
        "SELECT d.id, d.state, d.endpoint_id, e.url, e.active, e.secret_sealed,
                CASE WHEN e.previous_secret_expires_at > now()
                     THEN e.previous_secret_sealed END AS previous_sealed,
                ev.public_id, ev.event_type, ev.payload, ev.created_at
         FROM webhook_deliveries d
         JOIN webhook_endpoints e ON e.id = d.endpoint_id
         JOIN webhook_events ev ON ev.id = d.event_id
         WHERE d.id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// What one attempt comes to.
struct Outcome {
    state: &'static str,
    status: Option<i32>,
    /// None when delivered.
    error: Option<String>,
    next_at: Option<DateTime<Utc>>,
}

impl Outcome {
    fn of(attempt: Attempt, webhooks: &Webhooks, number: i32) -> Self {
        let (status, error) = match attempt {
            Attempt::Answered(code @ 200..=299) => (Some(code), None),
            Attempt::Answered(code) => (Some(code), Some(format!("the receiver answered {code}"))),
            Attempt::Failed(why) => (None, Some(why)),
        };
        let next_at = error.as_ref().and_then(|_| webhooks.next_attempt(number));
        let state = match (&error, next_at) {
            (None, _) => "delivered",
            (Some(_), Some(_)) => "pending",
            (Some(_), None) => "failed",
        };
        Self {
            state,
            status: status.map(i32::from),
            error,
            next_at,
        }
    }

    fn failed(why: &str, state: &'static str) -> Self {
        Self {
            state,
            status: None,
            error: Some(why.to_owned()),
            next_at: None,
        }
    }
}

/// Writes an attempt (`disable_after`: days of failure after which the
/// endpoint is disabled; None for what was not sent at all).
async fn record(
    tx: &mut TenantTx,
    due: &Due,
    outcome: &Outcome,
    disable_after: Option<u32>,
) -> Result<(), sqlx::Error> {
    let sent = disable_after.is_some();
    let error: Option<String> = outcome
        .error
        .as_ref()
        .map(|e| e.chars().take(500).collect());
    sqlx::query!(
        "UPDATE webhook_deliveries
         SET state = $2, attempts = attempts + $3::int, last_error = $5,
             last_status = CASE WHEN $3::int = 1 THEN $4 ELSE last_status END,
             last_attempt_at = CASE WHEN $3::int = 1 THEN now() ELSE last_attempt_at END,
             next_attempt_at = $6,
             delivered_at = CASE WHEN $2 = 'delivered' THEN now() END
         WHERE id = $1",
        due.id,
        outcome.state,
        i32::from(sent),
        outcome.status,
        error,
        outcome.next_at
    )
    .execute(tx.conn().await?)
    .await?;
    let Some(days) = disable_after else {
        return Ok(());
    };
    if outcome.error.is_none() {
        sqlx::query!(
            "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1",
            due.endpoint_id
        )
        .execute(tx.conn().await?)
        .await?;
        return Ok(());
    }
    give_up_on_failing(tx, due.endpoint_id, days).await
}

/// Notes the failure; disables the endpoint when it has failed for
/// `days` without a success in between, and audits it.
async fn give_up_on_failing(
    tx: &mut TenantTx,
    endpoint: i64,
    days: u32,
) -> Result<(), sqlx::Error> {
    let days = i32::try_from(days).unwrap_or(i32::MAX);
    let since = sqlx::query_scalar!(
        r#"UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now())
           WHERE id = $1 RETURNING failing_since AS "since!""#,
        endpoint
    )
    .fetch_one(tx.conn().await?)
    .await?;
    if since > Utc::now() - chrono::Duration::days(i64::from(days)) {
        return Ok(());
    }
    if store::set_active(tx, endpoint, Some("failing")).await? {
        tracing::warn!(endpoint, %since, "webhook endpoint disabled: failing for days");
        let detail = json!({ "endpoint": endpoint, "reason": "failing", "failing_since": since });
        audit::record(tx, Entry::new("webhook.disabled").with(detail)).await?;
    }
    Ok(())
}

/// Removes a batch of events past [`KEEP_DAYS`], with their deliveries.
async fn forget_old(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM webhook_events WHERE id IN (
             SELECT id FROM webhook_events
             WHERE created_at < now() - make_interval(days => $1)
             ORDER BY created_at LIMIT $2)",
        KEEP_DAYS,
        FORGET_BATCH
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}
