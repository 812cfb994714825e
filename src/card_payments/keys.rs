//! The association's Stripe keys: its secret key (API calls) and its
//! webhook endpoint's signing secret, both sealed for the tenant before
//! they reach the database (a dump shows ciphertext). A key is tried
//! against Stripe before it is saved; pages and the API only ever show
//! its hint (« sk_live_…a1b2 »).

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use utoipa::ToSchema;

use super::CardPayments;
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::stripe::{self, Credentials, StripeError};

const SECRET_KEY: &str = "secret_key";
const WEBHOOK_SECRET: &str = "webhook_secret";

/// What is shown of the configuration.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyStatus {
    /// The secret key's prefix and last four characters.
    pub key_hint: String,
    /// A live key (real cards) rather than a test one.
    pub livemode: bool,
    pub updated_at: DateTime<Utc>,
}

/// Keys as typed.
pub struct NewKeys {
    pub secret_key: SecretString,
    pub webhook_secret: SecretString,
}

/// `sk_live_…` / `rk_live_…` (restricted): live; `sk_test_…`: test.
fn key_mode(key: &str) -> Option<bool> {
    let rest = key
        .strip_prefix("sk_")
        .or_else(|| key.strip_prefix("rk_"))?;
    let live = if rest.starts_with("live_") {
        true
    } else if rest.starts_with("test_") {
        false
    } else {
        return None;
    };
    let fits = key.len() <= 255 && key.len() > 12;
    let plain = key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (fits && plain).then_some(live)
}

fn hint(key: &str) -> String {
    let prefix: String = key.chars().take(8).collect();
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{prefix}…{tail}")
}

/// Checks, tries and saves the keys (replacing any).
pub async fn save(
    tx: &mut TenantTx,
    service: &CardPayments,
    keys: NewKeys,
    by: i64,
) -> Result<KeyStatus, Refusal> {
    let secret = keys.secret_key.expose_secret().trim().to_owned();
    let webhook = keys.webhook_secret.expose_secret().trim().to_owned();
    let Some(livemode) = key_mode(&secret) else {
        return Err(Refusal::invalid(
            "secret_key",
            "stripe-key",
            "a Stripe secret key starts with sk_live_, sk_test_, rk_live_ or rk_test_",
        ));
    };
    let webhook_fits = webhook.len() > 10 && webhook.len() <= 255;
    if !webhook.starts_with("whsec_") || !webhook_fits {
        return Err(Refusal::invalid(
            "webhook_secret",
            "stripe-webhook-secret",
            "a webhook signing secret starts with whsec_",
        ));
    }
    let credentials = Credentials {
        secret_key: SecretString::from(secret.clone()),
        account: None,
    };
    match stripe::check_key(service.client(), &credentials).await {
        Ok(_) => {}
        Err(StripeError::BadKey(_) | StripeError::Refused(_)) => {
            return Err(Refusal::invalid(
                "secret_key",
                "stripe-key-refused",
                "Stripe refused this key",
            ));
        }
        Err(other) => return Err(Refusal::conflict("stripe-unreachable", other.to_string())),
    }
    install(tx, service, (&secret, &webhook), livemode, by).await
}

/// Seals and stores keys already checked (or, for the demo, never used).
pub async fn install(
    tx: &mut TenantTx,
    service: &CardPayments,
    (secret, webhook): (&str, &str),
    livemode: bool,
    by: i64,
) -> Result<KeyStatus, Refusal> {
    let tenant = tx.tenant().id;
    let sealed = |what: &str, text: &str| {
        service
            .seal(tenant, what, text)
            .map_err(|e| Refusal::conflict("sealing", e.to_string()))
    };
    let key_sealed = sealed(SECRET_KEY, secret)?;
    let webhook_sealed = sealed(WEBHOOK_SECRET, webhook)?;
    let saved = sqlx::query!(
        "INSERT INTO stripe_settings (id, secret_key_sealed, key_hint, webhook_secret_sealed, livemode, updated_by)
         VALUES (true, $1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET secret_key_sealed = $1, key_hint = $2, webhook_secret_sealed = $3,
             connected_account = NULL, livemode = $4, updated_by = $5, updated_at = now()
         RETURNING key_hint, livemode, updated_at",
        key_sealed,
        hint(secret),
        webhook_sealed,
        livemode,
        by
    )
    .fetch_one(tx.conn().await?)
    .await?;
    audit::record(
        tx,
        Entry::new("card_payments.keys.saved")
            .by(Some(by))
            .with(serde_json::json!({ "key_hint": saved.key_hint, "livemode": livemode })),
    )
    .await?;
    Ok(KeyStatus {
        key_hint: saved.key_hint,
        livemode: saved.livemode,
        updated_at: saved.updated_at,
    })
}

pub async fn status(tx: &mut TenantTx) -> Result<Option<KeyStatus>, sqlx::Error> {
    sqlx::query_as!(
        KeyStatus,
        "SELECT key_hint, livemode, updated_at FROM stripe_settings"
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// Card payments off: the keys are forgotten (payments already taken stay).
pub async fn remove(tx: &mut TenantTx, by: i64) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query!("DELETE FROM stripe_settings")
        .execute(tx.conn().await?)
        .await?
        .rows_affected()
        > 0;
    if removed {
        audit::record(tx, Entry::new("card_payments.keys.removed").by(Some(by))).await?;
    }
    Ok(removed)
}

/// The tenant's API credentials, when card payments are set up: its own
/// key, or the platform's acting on its connected account.
pub async fn credentials(
    tx: &mut TenantTx,
    service: &CardPayments,
) -> Result<Option<Credentials>, Refusal> {
    let row = sqlx::query!("SELECT secret_key_sealed, connected_account FROM stripe_settings")
        .fetch_optional(tx.conn().await?)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if let Some(account) = row.connected_account {
        let connected = service.connected(&account).ok_or_else(|| {
            Refusal::conflict(
                "stripe-connect-off",
                "Stripe Connect is not set up on this platform",
            )
        })?;
        return Ok(Some(connected));
    }
    let tenant = tx.tenant().id;
    let sealed = row.secret_key_sealed.unwrap_or_default();
    service
        .credentials(tenant, &sealed)
        .map(Some)
        .map_err(|e| Refusal::conflict("stripe-keys-unreadable", e.to_string()))
}

/// Card payments through the association's Stripe account connected to the
/// platform's (the operator links it: `tessera tenant stripe-account`).
/// Replaces its own keys if it had some.
pub async fn connect(tx: &mut TenantTx, account: &str, livemode: bool) -> Result<(), Refusal> {
    let valid = account.len() <= 65
        && account.strip_prefix("acct_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        });
    if !valid {
        return Err(Refusal::invalid(
            "account",
            "stripe-account",
            "a Stripe account id starts with acct_",
        ));
    }
    sqlx::query!(
        "INSERT INTO stripe_settings (id, key_hint, connected_account, livemode)
         VALUES (true, $1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET secret_key_sealed = NULL, webhook_secret_sealed = NULL,
             key_hint = $1, connected_account = $1, livemode = $2, updated_by = NULL, updated_at = now()",
        account,
        livemode
    )
    .execute(tx.conn().await?)
    .await?;
    audit::record(
        tx,
        Entry::new("card_payments.connected").with(serde_json::json!({ "account": account })),
    )
    .await?;
    Ok(())
}

/// The webhook signing secret, when card payments are set up.
pub async fn webhook_secret(
    tx: &mut TenantTx,
    service: &CardPayments,
) -> Result<Option<SecretString>, sqlx::Error> {
    // A connected account's events come to the platform's endpoint instead.
    let sealed = sqlx::query_scalar!("SELECT webhook_secret_sealed FROM stripe_settings")
        .fetch_optional(tx.conn().await?)
        .await?
        .flatten();
    let tenant = tx.tenant().id;
    // A secret sealed under another platform key (an imported tenant)
    // opens nowhere: no event is accepted until the keys are entered again.
    Ok(sealed.and_then(|sealed| service.open(tenant, WEBHOOK_SECRET, &sealed).ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_recognised_by_their_prefix() {
        assert_eq!(key_mode("sk_live_51Habc123XYZ"), Some(true));
        assert_eq!(key_mode("rk_test_51Habc123XYZ"), Some(false));
        assert_eq!(key_mode("pk_live_51Habc123XYZ"), None);
        assert_eq!(key_mode("sk_live_51H abc"), None);
        assert_eq!(hint("sk_live_51Habc123XYZ"), "sk_live_…3XYZ");
    }
}
