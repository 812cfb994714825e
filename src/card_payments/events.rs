//! Stripe's webhooks: [`receive`] checks the signature with the
//! association's own signing secret, keeps the event once (its id is the
//! key: Stripe delivers at least once) and queues it; [`process`] applies
//! it in a job, in one transaction with the event marked done. Objects
//! that do not carry this tenant's tag are left alone, whatever endpoint
//! they came through.

use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::reconcile::{self, Applied, Success};
use super::{CardPayments, cards, renewals};
use crate::contributions::provider::PaymentProvider;
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::jobs::{self, NewJob};
use crate::stripe::Tag;
use crate::stripe::objects::{Charge, CheckoutSession, Dispute, Event, PaymentIntent};

/// The job that applies one event.
pub const EVENT_JOB: &str = "card_payments.event";

/// Whether the event was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    New,
    Duplicate,
}

pub async fn receive(
    tx: &mut TenantTx,
    service: &CardPayments,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Received, AppError> {
    let provider = super::provider(tx, service).await?;
    let event = provider
        .verify_notification(headers, body)
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?;
    keep(tx, &event.id, &event.kind, body).await
}

/// Keeps a verified event once and queues it.
pub(super) async fn keep(
    tx: &mut TenantTx,
    id: &str,
    kind: &str,
    body: &[u8],
) -> Result<Received, AppError> {
    let payload: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("not JSON: {e}").into()))?;
    let inserted = sqlx::query_scalar!(
        "INSERT INTO stripe_events (id, kind, payload) VALUES ($1, $2, $3)
         ON CONFLICT (id) DO NOTHING RETURNING id",
        id,
        kind,
        payload
    )
    .fetch_optional(tx.conn().await?)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.constraint().is_some() => {
            AppError::BadRequest("event id or type too long".into())
        }
        _ => AppError::Database(e),
    })?;
    if inserted.is_none() {
        return Ok(Received::Duplicate);
    }
    jobs::enqueue(tx, NewJob::new(EVENT_JOB, json!({ "event": id }))).await?;
    Ok(Received::New)
}

/// Applies the stored event `id` (once: a processed event is skipped).
pub async fn process(
    tx: &mut TenantTx,
    service: &CardPayments,
    id: &str,
) -> Result<Option<Applied>, Refusal> {
    let row = sqlx::query!(
        "SELECT payload FROM stripe_events WHERE id = $1 AND processed_at IS NULL FOR UPDATE",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let applied = match serde_json::from_value::<Event>(row.payload) {
        Ok(event) => apply(tx, service, &event).await?,
        Err(_) => Applied::Ignored("unreadable event"),
    };
    sqlx::query!(
        "UPDATE stripe_events SET processed_at = now(), outcome = left($2, 300) WHERE id = $1",
        id,
        applied.describe()
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(Some(applied))
}

fn object<T: DeserializeOwned>(event: &Event) -> Option<T> {
    serde_json::from_value(event.data.object.clone()).ok()
}

/// Our payment id in an object's tag, when the tag is this tenant's.
fn our_payment(tx: &TenantTx, metadata: &crate::stripe::objects::Metadata) -> Option<i64> {
    Tag::read(metadata)
        .filter(|tag| tag.tenant == tx.tenant().id.get())
        .and_then(|tag| tag.payment)
}

async fn apply(
    tx: &mut TenantTx,
    service: &CardPayments,
    event: &Event,
) -> Result<Applied, Refusal> {
    const NOT_OURS: Applied = Applied::Ignored("not tagged for this association");
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            let Some(session) = object::<CheckoutSession>(event) else {
                return Ok(Applied::Ignored("unreadable session"));
            };
            if session.mode.as_deref() == Some("setup") {
                let tenant = tx.tenant().id.get();
                if Tag::read(&session.metadata).is_none_or(|t| t.tenant != tenant) {
                    return Ok(NOT_OURS);
                }
                return cards::card_updated(tx, service, &session).await;
            }
            let (Some(payment_id), Some(intent)) = (
                our_payment(tx, &session.metadata),
                session.payment_intent.as_deref(),
            ) else {
                return Ok(NOT_OURS);
            };
            if session.payment_status.as_deref() != Some("paid") {
                return Ok(Applied::Ignored("not paid yet"));
            }
            let success = Success {
                payment_id,
                payment_intent: intent,
                amount_minor: session.amount_total.unwrap_or_default(),
                currency: session.currency.as_deref().unwrap_or_default(),
            };
            reconcile::succeeded(tx, success).await
        }
        "checkout.session.expired" | "checkout.session.async_payment_failed" => {
            let Some(session) = object::<CheckoutSession>(event) else {
                return Ok(Applied::Ignored("unreadable session"));
            };
            match our_payment(tx, &session.metadata) {
                Some(payment_id) => reconcile::abandoned(tx, payment_id).await,
                None => Ok(NOT_OURS),
            }
        }
        "payment_intent.succeeded" => {
            let Some(intent) = object::<PaymentIntent>(event) else {
                return Ok(Applied::Ignored("unreadable payment intent"));
            };
            let Some(payment_id) = our_payment(tx, &intent.metadata) else {
                return Ok(NOT_OURS);
            };
            let success = Success {
                payment_id,
                payment_intent: &intent.id,
                amount_minor: intent.amount,
                currency: &intent.currency,
            };
            let applied = reconcile::succeeded(tx, success).await?;
            cards::keep_card(tx, service, payment_id, &intent).await?;
            Ok(applied)
        }
        "payment_intent.payment_failed" => {
            let Some(intent) = object::<PaymentIntent>(event) else {
                return Ok(Applied::Ignored("unreadable payment intent"));
            };
            let Some(payment_id) = our_payment(tx, &intent.metadata) else {
                return Ok(NOT_OURS);
            };
            let why = intent
                .last_payment_error
                .as_ref()
                .and_then(|e| e.decline_code.clone().or(e.code.clone()))
                .unwrap_or_else(|| "card_declined".into());
            renewals::declined(tx, service, payment_id, &why).await
        }
        "charge.refunded" => {
            let Some(charge) = object::<Charge>(event) else {
                return Ok(Applied::Ignored("unreadable charge"));
            };
            let Some(intent) = charge.payment_intent.as_deref() else {
                return Ok(Applied::Ignored("a charge without payment intent"));
            };
            reconcile::refunded(tx, intent, charge.amount_refunded).await
        }
        "charge.dispute.created" => {
            let Some(dispute) = object::<Dispute>(event) else {
                return Ok(Applied::Ignored("unreadable dispute"));
            };
            let Some(intent) = dispute.payment_intent.as_deref() else {
                return Ok(Applied::Ignored("a dispute without payment intent"));
            };
            let reason = dispute.reason.as_deref().unwrap_or("unknown");
            reconcile::disputed(tx, intent, dispute.amount, reason).await
        }
        _ => Ok(Applied::Ignored("event not used")),
    }
}

/// The events received lately, newest first (the treasurer's page).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: String,
    pub kind: String,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub processed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub outcome: Option<String>,
}

pub async fn recent(tx: &mut TenantTx, limit: i64) -> Result<Vec<EventView>, sqlx::Error> {
    sqlx::query_as!(
        EventView,
        "SELECT id, kind, received_at, processed_at, outcome FROM stripe_events
         ORDER BY received_at DESC, id LIMIT $1",
        limit
    )
    .fetch_all(tx.conn().await?)
    .await
}
