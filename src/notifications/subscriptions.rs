//! Members' devices (Web Push subscriptions): adding one from what the
//! browser's `PushSubscription.toJSON()` gives, listing and removing one's
//! own. A device belongs to one account at a time: subscribing again on a
//! device another account of this association used moves it (and drops
//! what was still queued for the other account), so a shared computer
//! shows only the pushes of whoever subscribed last.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::push::endpoint::{self, EndpointError};
use crate::db::TenantTx;

/// Devices kept per account; subscribing another drops the oldest.
pub const MAX_PER_ACCOUNT: i64 = 10;

/// A subscription as browsers serialise it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SubscriptionBody {
    /// The push service URL (`https`, a public host).
    pub endpoint: String,
    pub keys: SubscriptionKeys,
    /// Ignored (browsers send it).
    #[serde(default, rename = "expirationTime")]
    #[schema(value_type = Option<f64>)]
    pub expiration_time: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SubscriptionKeys {
    /// The device's P-256 public key, base64url (65 bytes decoded).
    pub p256dh: String,
    /// The device's auth secret, base64url (16 bytes decoded).
    pub auth: String,
}

/// Why a subscription was refused (nothing written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    #[error("keys.p256dh must be an uncompressed P-256 public key in base64url")]
    PublicKey,
    #[error("keys.auth must be 16 bytes in base64url")]
    Auth,
}

/// A checked subscription.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub endpoint: String,
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
}

impl SubscriptionBody {
    pub fn check(&self, allow_loopback: bool) -> Result<NewSubscription, SubscriptionError> {
        endpoint::check(&self.endpoint, allow_loopback)?;
        let decode = |text: &str| {
            URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .or_else(|_| URL_SAFE.decode(text))
                .ok()
        };
        let p256dh = decode(&self.keys.p256dh)
            .filter(|key| key.len() == 65)
            .filter(|key| web_push_native::p256::PublicKey::from_sec1_bytes(key).is_ok())
            .ok_or(SubscriptionError::PublicKey)?;
        let auth = decode(&self.keys.auth)
            .filter(|auth| auth.len() == 16)
            .ok_or(SubscriptionError::Auth)?;
        Ok(NewSubscription {
            endpoint: self.endpoint.clone(),
            p256dh,
            auth,
        })
    }
}

/// Stores `new` for `account` (moving it from another account if that one
/// had the same endpoint); returns its id.
pub async fn add(
    tx: &mut TenantTx,
    account: i64,
    new: &NewSubscription,
    user_agent: Option<&str>,
) -> Result<i64, sqlx::Error> {
    sqlx::query!(
        "DELETE FROM push_subscriptions WHERE endpoint = $1 AND account_id <> $2",
        new.endpoint,
        account
    )
    .execute(tx.conn().await?)
    .await?;
    let user_agent: Option<String> = user_agent.map(|ua| ua.chars().take(300).collect());
    let id = sqlx::query_scalar!(
        "INSERT INTO push_subscriptions (account_id, endpoint, p256dh, auth, user_agent)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (endpoint) DO UPDATE
         SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, user_agent = EXCLUDED.user_agent
         RETURNING id",
        account,
        new.endpoint,
        new.p256dh,
        new.auth,
        user_agent
    )
    .fetch_one(tx.conn().await?)
    .await?;
    sqlx::query!(
        "DELETE FROM push_subscriptions WHERE account_id = $1 AND id NOT IN
           (SELECT id FROM push_subscriptions WHERE account_id = $1 ORDER BY id DESC LIMIT $2)",
        account,
        MAX_PER_ACCOUNT
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(id)
}

/// One of a member's devices, as they see it (the endpoint itself stays
/// secret: only its push service's host is shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeviceView {
    pub id: i64,
    /// The push service's host (`fcm.googleapis.com`, …).
    pub service: String,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_success_at: Option<DateTime<Utc>>,
}

pub async fn list(tx: &mut TenantTx, account: i64) -> Result<Vec<DeviceView>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, endpoint, user_agent, created_at, last_success_at
         FROM push_subscriptions WHERE account_id = $1 ORDER BY id DESC",
        account
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeviceView {
            id: r.id,
            service: url::Url::parse(&r.endpoint)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default(),
            user_agent: r.user_agent,
            created_at: r.created_at,
            last_success_at: r.last_success_at,
        })
        .collect())
}

/// Removes one of `account`'s devices; false if it has none with this id.
pub async fn remove(tx: &mut TenantTx, account: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM push_subscriptions WHERE id = $1 AND account_id = $2",
        id,
        account
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes `account`'s device with this endpoint (the browser turned push
/// off); false if it has none.
pub async fn remove_endpoint(
    tx: &mut TenantTx,
    account: i64,
    endpoint: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM push_subscriptions WHERE endpoint = $1 AND account_id = $2",
        endpoint,
        account
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(done.rows_affected() == 1)
}
