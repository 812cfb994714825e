//! A desk form sent twice records once. The form carries an idempotency
//! key drawn when it was shown; the first submission claims it (in the
//! request's transaction, see `contributions::idempotency`) and remembers
//! where it led; a second one (a double click, or the service worker
//! sending a payment typed offline after it had in fact arrived) is sent
//! to the same place. A failed submission rolls its claim back.

use crate::contributions::idempotency::{self, Claim};
use crate::db::TenantTx;
use crate::error::AppError;

/// The form field holding the key.
pub const FIELD: &str = "idempotency_key";

/// A new key for a form being shown.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Where an earlier submission of the same form led, if there was one.
/// Claims the key otherwise. Without a key, nothing to do.
pub async fn earlier(
    tx: &mut TenantTx,
    by: i64,
    fields: &[(String, String)],
) -> Result<Option<String>, AppError> {
    let Some(key) = key_of(fields) else {
        return Ok(None);
    };
    let claim = idempotency::claim(tx, &caller(by), key, &hash(fields))
        .await
        .map_err(|e| AppError::BadRequest(e.to_string().into()))?;
    Ok(match claim {
        Claim::Fresh => None,
        Claim::Replay { body, .. } => body.as_str().map(str::to_owned),
    })
}

/// Remembers that this submission led to `location`.
pub async fn led_to(
    tx: &mut TenantTx,
    by: i64,
    fields: &[(String, String)],
    location: &str,
) -> Result<(), AppError> {
    let Some(key) = key_of(fields) else {
        return Ok(());
    };
    idempotency::finish(tx, &caller(by), key, 303, &serde_json::json!(location))
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))
}

fn key_of(fields: &[(String, String)]) -> Option<&str> {
    fields
        .iter()
        .find(|(name, value)| name == FIELD && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

fn caller(by: i64) -> String {
    format!("desk:{by}")
}

/// The form's fingerprint, without its CSRF token (which changes when the
/// person signs in again before an offline payment is sent).
fn hash(fields: &[(String, String)]) -> [u8; 32] {
    let body: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(name, _)| name != crate::auth::csrf::FIELD)
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let encoded = serde_urlencoded::to_string(body).unwrap_or_default();
    idempotency::request_hash("POST", "/treasury/payments/new", encoded.as_bytes())
}
