//! Refunds of card payments from the treasurer's page or the API: Stripe
//! gives the money back first (an idempotency key per payment and amount
//! already refunded, so a double click refunds once), then the ledger is
//! reversed through the contributions module. Should the second step fail,
//! Stripe's `charge.refunded` event brings the ledger level later.

use super::error::{CardError, not_set_up};
use super::{CardPayments, store};
use crate::contributions::model::PaymentStatus;
use crate::contributions::payments::{self, Payment};
use crate::contributions::provider::PaymentProvider;
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::model::Amount;

pub async fn refund(
    tx: &mut TenantTx,
    service: &CardPayments,
    payment_id: i64,
    amount: Amount,
    reason: &str,
    by: i64,
) -> Result<Payment, CardError> {
    let charge = store::charge(tx, payment_id)
        .await?
        .ok_or(Refusal::NotFound("card payment"))?;
    let payment = payments::find(tx, payment_id)
        .await?
        .ok_or(Refusal::NotFound("card payment"))?;
    let Some(intent) = charge.payment_intent.as_deref() else {
        return Err(
            Refusal::conflict("not-refundable", "only a paid payment can be refunded").into(),
        );
    };
    if payment.status != PaymentStatus::Paid {
        return Err(
            Refusal::conflict("not-refundable", "only a paid payment can be refunded").into(),
        );
    }
    if reason.trim().is_empty() || reason.chars().count() > 300 {
        return Err(Refusal::invalid(
            "reason",
            "reason",
            "give a reason of at most 300 characters",
        )
        .into());
    }
    let left = payment.amount.minor() - payment.refunded.minor();
    if !amount.is_positive()
        || amount.minor() > left
        || amount.currency() != payment.amount.currency()
    {
        return Err(
            Refusal::invalid("amount", "over-refund", "more than what is left to refund").into(),
        );
    }
    let provider = super::provider(tx, service).await?;
    if provider.credentials.is_none() {
        return Err(not_set_up().into());
    }
    let sequence = payment.refunded.minor();
    provider.refund(intent, amount, sequence).await?;
    Ok(payments::refund(tx, payment_id, amount, reason, Some(by)).await?)
}
