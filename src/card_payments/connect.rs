//! Stripe Connect: an association may take cards on its own Stripe account
//! connected to the platform's, instead of entering keys. The operator
//! links the account (`tessera tenant stripe-account SLUG acct_…`); calls
//! then go out with the platform's key on behalf of that account, and its
//! events arrive at the platform's one endpoint
//! (`https://<platform host>/api/v1/webhooks/stripe`), signed with the
//! platform's Connect secret, and are routed by their `account` to that
//! association's schema — an account linked to no association is answered
//! 200 and dropped.

use std::sync::Arc;

use axum::http::HeaderMap;
use secrecy::ExposeSecret;

use super::events::{self, Received};
use super::{CardPayments, keys};
use crate::db::{Database, TenantTx};
use crate::error::{AppError, Refusal};
use crate::model::{Tenant, TenantId};
use crate::stripe::objects::Event;
use crate::stripe::signature;

/// Links `account` to `tenant` (replacing its own keys or former account);
/// `livemode`: the platform's key is a live one.
pub async fn link(
    db: &Database,
    tenant: Arc<Tenant>,
    account: &str,
    livemode: bool,
) -> Result<(), Refusal> {
    let mut tx = TenantTx::begin(db, tenant.clone()).await?;
    keys::connect(&mut tx, account, livemode).await?;
    sqlx::query!(
        "INSERT INTO platform.stripe_accounts (account_id, tenant_id) VALUES ($1, $2)
         ON CONFLICT (tenant_id) DO UPDATE SET account_id = $1, linked_at = now()",
        account,
        tenant.id.get()
    )
    .execute(db.platform())
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(d) if d.constraint() == Some("stripe_accounts_pkey") => {
            Refusal::conflict(
                "stripe-account-taken",
                "this account is another association's",
            )
        }
        _ => Refusal::Database(e),
    })?;
    tx.commit().await?;
    Ok(())
}

/// The association `account` is linked to.
async fn tenant_of(db: &Database, account: &str) -> Result<Option<Tenant>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "SELECT tenant_id FROM platform.stripe_accounts WHERE account_id = $1",
        account
    )
    .fetch_optional(db.platform())
    .await?;
    match id {
        Some(id) => crate::tenancy::registry::find_by_id(db.platform(), TenantId::new(id)).await,
        None => Ok(None),
    }
}

/// An event at the platform's endpoint: verified with the Connect secret,
/// kept in the schema of the association its account is linked to.
pub async fn receive(
    service: &CardPayments,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Option<Received>, AppError> {
    let secret = service.connect_webhook_secret().ok_or(AppError::NotFound)?;
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    signature::verify(
        header,
        body,
        secret.expose_secret(),
        now,
        service.tolerance_secs(),
    )
    .map_err(|e| AppError::BadRequest(e.to_string().into()))?;
    let event: Event = serde_json::from_slice(body)
        .map_err(|e| AppError::BadRequest(format!("not a Stripe event: {e}").into()))?;
    let Some(account) = event.account.as_deref() else {
        return Ok(None);
    };
    let db = service.db();
    let Some(tenant) = tenant_of(db, account).await? else {
        return Ok(None);
    };
    let mut tx = TenantTx::begin(db, Arc::new(tenant)).await?;
    let received = events::keep(&mut tx, &event.id, &event.kind, body).await?;
    tx.commit().await?;
    Ok(Some(received))
}
