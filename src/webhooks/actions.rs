//! What administrators do to endpoints, the same through the pages and
//! the API, each with its audit entry in the same transaction. Audit
//! entries name the endpoint and what changed, never a secret.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::emit;
use super::input::{Draft, Invalid};
use super::secret::{Secret, SecretError};
use super::service::Webhooks;
use super::store::{self, MAX_ENDPOINTS};
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::AppError;

/// Who acts, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub account_id: i64,
    pub ip: Option<IpAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("{}", Invalid::summary(.0))]
    Invalid(Vec<Invalid>),
    #[error("an association may have at most {MAX_ENDPOINTS} webhook endpoints")]
    Limit,
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        match error {
            Error::NotFound => AppError::NotFound,
            Error::Invalid(invalid) => AppError::Unprocessable(Invalid::summary(&invalid).into()),
            Error::Limit => AppError::Conflict(Error::Limit.to_string().into()),
            Error::Secret(error) => AppError::Internal(error.to_string().into()),
            Error::Database(error) => AppError::Database(error),
        }
    }
}

/// A new endpoint and its secret (the only time it is returned).
pub async fn create(
    tx: &mut TenantTx,
    webhooks: &Webhooks,
    draft: &Draft,
    actor: Actor,
) -> Result<(i64, Secret), Error> {
    if store::count(tx).await? >= MAX_ENDPOINTS {
        return Err(Error::Limit);
    }
    let secret = Secret::generate()?;
    let sealed = webhooks.seal(tx.tenant().id, &secret)?;
    let id = store::create(tx, draft, &sealed, actor.account_id).await?;
    let detail = json!({ "url": draft.url, "events": draft.events.items() });
    record(tx, "webhook.created", id, actor, detail).await?;
    Ok((id, secret))
}

pub async fn update(tx: &mut TenantTx, id: i64, draft: &Draft, actor: Actor) -> Result<(), Error> {
    if !store::update(tx, id, draft).await? {
        return Err(Error::NotFound);
    }
    let detail = json!({ "url": draft.url, "events": draft.events.items() });
    record(tx, "webhook.updated", id, actor, detail).await?;
    Ok(())
}

/// Enables or disables (by hand); Ok(false) when it was so already.
pub async fn set_active(
    tx: &mut TenantTx,
    id: i64,
    active: bool,
    actor: Actor,
) -> Result<bool, Error> {
    store::find(tx, id).await?.ok_or(Error::NotFound)?;
    let reason = (!active).then_some("manual");
    let changed = store::set_active(tx, id, reason).await?;
    if changed {
        let (name, detail) = match active {
            true => ("webhook.enabled", Value::Null),
            false => ("webhook.disabled", json!({ "reason": "manual" })),
        };
        record(tx, name, id, actor, detail).await?;
    }
    Ok(changed)
}

/// A new secret in force (returned, to be shown once); the old one signs
/// too until the returned time.
pub async fn rotate(
    tx: &mut TenantTx,
    webhooks: &Webhooks,
    id: i64,
    actor: Actor,
) -> Result<(Secret, DateTime<Utc>), Error> {
    let secret = Secret::generate()?;
    let sealed = webhooks.seal(tx.tenant().id, &secret)?;
    let until = store::rotate(tx, id, &sealed)
        .await?
        .ok_or(Error::NotFound)?;
    let detail = json!({ "previous_valid_until": until });
    record(tx, "webhook.secret_rotated", id, actor, detail).await?;
    Ok((secret, until))
}

pub async fn delete(tx: &mut TenantTx, id: i64, actor: Actor) -> Result<(), Error> {
    let endpoint = store::find(tx, id).await?.ok_or(Error::NotFound)?;
    store::delete(tx, id).await?;
    record(
        tx,
        "webhook.deleted",
        id,
        actor,
        json!({ "url": endpoint.url }),
    )
    .await?;
    Ok(())
}

/// Queues a `webhook.test` event for this endpoint alone.
pub async fn send_test(tx: &mut TenantTx, id: i64, actor: Actor) -> Result<(), Error> {
    if !emit::send_test(tx, id, actor.account_id).await? {
        return Err(Error::NotFound);
    }
    record(tx, "webhook.test_sent", id, actor, Value::Null).await?;
    Ok(())
}

/// Audits a change of endpoint `id`.
async fn record(
    tx: &mut TenantTx,
    name: &str,
    id: i64,
    actor: Actor,
    detail: Value,
) -> Result<(), sqlx::Error> {
    let mut details = json!({ "endpoint": id });
    if let (Some(all), Value::Object(more)) = (details.as_object_mut(), detail) {
        all.extend(more);
    }
    let entry = Entry::new(name)
        .by(actor.account_id)
        .from(actor.ip)
        .with(details);
    audit::record(tx, entry).await
}
