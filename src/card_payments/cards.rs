//! The card a member keeps for charges they agreed to: saved from the
//! payment that carried their consent, or replaced on Stripe's page (a
//! setup session) — then the renewals waiting for a retry are charged at
//! once.

use serde_json::json;

use super::reconcile::Applied;
use super::{CardPayments, keys, store};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::stripe;
use crate::stripe::objects::{CheckoutSession, PaymentIntent};

/// Keeps the card of a payment the member agreed to be charged again for.
pub async fn keep_card(
    tx: &mut TenantTx,
    service: &CardPayments,
    payment_id: i64,
    intent: &PaymentIntent,
) -> Result<(), Refusal> {
    let Some(charge) = store::charge(tx, payment_id).await? else {
        return Ok(());
    };
    let agreed = charge.consent_id.is_some() || charge.gift_id.is_some();
    let (Some(customer), Some(method)) =
        (intent.customer.as_deref(), intent.payment_method.as_deref())
    else {
        return Ok(());
    };
    if !agreed || charge.kind != "checkout" {
        return Ok(());
    }
    save(tx, service, customer, method).await
}

async fn save(
    tx: &mut TenantTx,
    service: &CardPayments,
    customer: &str,
    method: &str,
) -> Result<(), Refusal> {
    let Some(credentials) = keys::credentials(tx, service).await? else {
        return Ok(());
    };
    let method = stripe::payment_method(service.client(), &credentials, method)
        .await
        .map_err(|e| Refusal::conflict("stripe-unreachable", e.to_string()))?;
    store::save_card(tx, customer, &method).await?;
    Ok(())
}

/// The member gave a new card on Stripe's page: it is kept, and the
/// charges waiting for a retry are made due now.
pub async fn card_updated(
    tx: &mut TenantTx,
    service: &CardPayments,
    session: &CheckoutSession,
) -> Result<Applied, Refusal> {
    let (Some(customer), Some(setup)) =
        (session.customer.as_deref(), session.setup_intent.as_deref())
    else {
        return Ok(Applied::Ignored("a setup session without customer"));
    };
    let Some(account) = store::account_of_customer(tx, customer).await? else {
        return Ok(Applied::Ignored("not one of this association's members"));
    };
    let Some(credentials) = keys::credentials(tx, service).await? else {
        return Ok(Applied::Ignored("card payments are off"));
    };
    let intent = stripe::setup_intent(service.client(), &credentials, setup)
        .await
        .map_err(|e| Refusal::conflict("stripe-unreachable", e.to_string()))?;
    let Some(method) = intent.payment_method.as_deref() else {
        return Ok(Applied::Ignored("no card in the setup"));
    };
    save(tx, service, customer, method).await?;
    for payment in store::waiting_retries(tx, account).await? {
        store::charge_now(tx, payment).await?;
    }
    crate::jobs::enqueue(tx, crate::jobs::NewJob::new(super::CHARGE_JOB, json!({}))).await?;
    Ok(Applied::CardSaved)
}
