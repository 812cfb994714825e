//! Card payments through Stripe, with each association's own Stripe
//! account and keys ([`keys`], sealed): members pay their dues on Stripe's
//! Checkout page ([`checkout`]), give once or monthly ([`gifts`]), and may
//! agree, plan by plan, to have renewals charged to their card
//! ([`renewals`]: declines retried with the member kept in grace and sent
//! an « update your card » link). Stripe's signed webhooks are kept once
//! and applied by the job queue ([`events`], [`reconcile`]: paid, failed,
//! refunded, disputed); treasurers refund from their pages ([`refunds`]).
//! Pages: `/membership/card-payments`, `/donate`, `/treasury/card-payments`; the API
//! is [`api`]. The Stripe client itself is [`crate::stripe`].

pub mod api;
pub mod cards;
pub mod checkout;
pub mod connect;
mod error;
pub mod events;
pub mod gifts;
pub mod keys;
mod member_pages;
pub mod provider;
pub mod reconcile;
pub mod refunds;
pub mod renewals;
mod service;
pub mod store;
mod treasury_pages;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use serde_json::json;

pub use api::Doc;
pub use error::CardError;
pub use service::{CardPayments, SealError};

use crate::contributions::model::{Method, PaymentStatus};
use crate::contributions::payments::{Allocation, NewPayment};
use crate::db::TenantTx;
use crate::jobs::{JobError, NewJob, Registry};
use crate::model::Amount;
use crate::stripe::{self, Tag};
use crate::themes::Themes;
use checkout::Payer;
use error::not_set_up;

/// Sends the renewal charges due (one transaction each).
pub const CHARGE_JOB: &str = "card_payments.charge";
const DAILY: &str = "card_payments.daily";
const DAILY_ALL: &str = "platform.card_payments.daily";

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    CardPayments: FromRef<S>,
{
    Router::new()
        .route("/membership/card-payments", get(member_pages::show))
        .route("/membership/card-payments/pay", post(member_pages::pay))
        .route(
            "/membership/card-payments/update",
            post(member_pages::update),
        )
        .route(
            "/membership/card-payments/consents/{id}/withdraw",
            post(member_pages::withdraw),
        )
        .route(
            "/donate",
            get(member_pages::donate_form).post(member_pages::donate),
        )
        .route(
            "/treasury/card-payments",
            get(treasury_pages::show).post(treasury_pages::save),
        )
        .route(
            "/treasury/card-payments/remove",
            post(treasury_pages::remove),
        )
        .route(
            "/treasury/card-payments/refund",
            post(treasury_pages::refund),
        )
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    CardPayments: FromRef<S>,
{
    Router::new()
        .route("/api/v1/webhooks/stripe", post(api::webhook))
        .route(
            "/api/v1/card-payments/keys",
            get(api::key_status)
                .put(api::save_keys)
                .delete(api::remove_keys),
        )
        .route("/api/v1/card-payments/events", get(api::recent_events))
        .route(
            "/api/v1/card-payments/payments/{id}/refund",
            post(api::refund),
        )
        .route("/api/v1/card-payments/renewals", post(api::plan_renewals))
        .route("/api/v1/me/card-payments/checkout", post(api::pay_dues))
        .route("/api/v1/me/donations", post(api::give))
        .route("/api/v1/me/card", get(api::my_card))
        .route("/api/v1/me/card/update", post(api::update_card))
        .route(
            "/api/v1/me/card/consents/{id}",
            axum::routing::delete(api::withdraw),
        )
}

/// A pending card payment of `amount` by `payer_id` for `allocations`
/// (none: a gift). Its provider id is a placeholder, unique as the column
/// wants, until Stripe names the payment (its payment intent's id).
fn pending_payment(payer_id: i64, amount: Amount, allocations: Vec<Allocation>) -> NewPayment {
    NewPayment {
        payer_id,
        amount,
        method: Method::Online,
        status: PaymentStatus::Pending,
        cheque_number: None,
        cheque_bank: None,
        reference: None,
        received_on: crate::contributions::memberships::today(),
        note: None,
        allocations,
        provider: Some((
            "stripe".to_owned(),
            format!("pending-{}", uuid::Uuid::new_v4().simple()),
        )),
    }
}

/// What the member agrees to when ticking « charge my renewals ».
pub fn consent_wording(locale: &str, association: &str) -> String {
    if locale.starts_with("fr") {
        format!(
            "J'autorise {association} à débiter cette carte du montant de chaque renouvellement \
             de cette adhésion, à son échéance, jusqu'à ce que je retire cette autorisation \
             depuis mon espace."
        )
    } else {
        format!(
            "I authorise {association} to charge this card the amount of each renewal of this \
             membership when it falls due, until I withdraw this authorisation from my account."
        )
    }
}

/// What the donor agrees to for a monthly gift.
pub fn gift_wording(locale: &str, association: &str) -> String {
    if locale.starts_with("fr") {
        format!(
            "J'autorise {association} à débiter cette carte de ce don chaque mois, jusqu'à ce \
             que je l'arrête depuis mon espace."
        )
    } else {
        format!(
            "I authorise {association} to charge this card this gift every month, until I stop \
             it from my account."
        )
    }
}

/// Stripe's page where a member gives a new card (nothing is charged).
pub async fn update_page(
    tx: &mut TenantTx,
    service: &CardPayments,
    payer: &Payer<'_>,
) -> Result<String, CardError> {
    let credentials = keys::credentials(tx, service)
        .await?
        .ok_or_else(not_set_up)?;
    let customer = checkout::customer(tx, service, &credentials, payer).await?;
    let tenant = tx.tenant().clone();
    let currency = crate::contributions::settings::get(tx)
        .await?
        .currency
        .code()
        .to_ascii_lowercase();
    let tag = Tag {
        tenant: tenant.id.get(),
        payment: None,
    };
    let back = service.link(&tenant, "/membership/card-payments?updated=1");
    let cancel = service.link(&tenant, "/membership/card-payments");
    let locale = if payer.locale.starts_with("fr") {
        "fr"
    } else {
        "en"
    };
    // A new page per minute at most: a double click opens the same one.
    let attempt = chrono::Utc::now().timestamp() / 60;
    let session = stripe::card_update_checkout(
        service.client(),
        &credentials,
        &customer,
        &currency,
        tag,
        (locale, &back, &cancel),
        &attempt.to_string(),
    )
    .await?;
    session.url.ok_or_else(|| {
        crate::error::Refusal::conflict("stripe-no-url", "Stripe gave no page to go to").into()
    })
}

/// Stripe as the association's payment provider (its keys, when set up).
pub async fn provider(
    tx: &mut TenantTx,
    service: &CardPayments,
) -> Result<provider::StripeProvider, crate::error::Refusal> {
    Ok(provider::StripeProvider {
        service: service.clone(),
        credentials: keys::credentials(tx, service).await?,
        webhook_secret: keys::webhook_secret(tx, service).await?,
        tenant: tx.tenant().id.get(),
    })
}

/// Queues a run of the charges due (after the transaction commits).
pub async fn queue_charges(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    let job = NewJob {
        dedupe_key: Some(CHARGE_JOB),
        ..NewJob::new(CHARGE_JOB, json!({}))
    };
    crate::jobs::enqueue(tx, job).await
}

pub fn register(registry: &mut Registry, service: CardPayments) {
    registry.every_tenant(DAILY_ALL, DAILY, std::time::Duration::from_secs(24 * 3600));
    registry.register(DAILY, |ctx, _job| async move {
        let mut tx = ctx.tenant_tx()?;
        let planned = renewals::plan(&mut tx).await.map_err(JobError::retry)?;
        queue_charges(&mut tx).await?;
        tx.commit().await.map_err(JobError::from)?;
        tracing::debug!(?planned, "card payments daily");
        Ok(())
    });
    let charging = service.clone();
    registry.register(CHARGE_JOB, move |ctx, _job| {
        let service = charging.clone();
        async move {
            let due = {
                let mut tx = ctx.tenant_tx()?;
                let due = renewals::due(&mut tx).await?;
                tx.commit().await.map_err(JobError::from)?;
                due
            };
            for payment in due {
                let mut tx = ctx.tenant_tx()?;
                renewals::charge(&mut tx, &service, payment)
                    .await
                    .map_err(JobError::retry)?;
                tx.commit().await.map_err(JobError::from)?;
            }
            Ok(())
        }
    });
    registry.register(events::EVENT_JOB, move |ctx, job| {
        let service = service.clone();
        async move {
            let id = job
                .payload
                .get("event")
                .and_then(|v| v.as_str())
                .ok_or_else(|| JobError::permanent("no event id"))?
                .to_owned();
            let mut tx = ctx.tenant_tx()?;
            events::process(&mut tx, &service, &id)
                .await
                .map_err(JobError::retry)?;
            tx.commit().await.map_err(JobError::from)?;
            Ok(())
        }
    });
}
