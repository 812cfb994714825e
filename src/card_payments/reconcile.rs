//! What Stripe reports, applied to the ledger. Each step reads the
//! payment's state first and only moves it forward, so events delivered
//! twice or out of order change it once: a success pays a pending
//! payment (a late failure of a paid one is ignored); a refund gives back
//! what Stripe's running total says was not given back yet (a refund seen
//! before the success pays first: money cannot be refunded unpaid); a
//! dispute takes the disputed amount back once.

use serde_json::json;

use super::store;
use crate::audit::{self, Entry};
use crate::contributions::memberships::today;
use crate::contributions::model::PaymentStatus;
use crate::contributions::payments::{self, Payment};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::model::Amount;

/// What one event did (kept with the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Paid(i64),
    AlreadyDone(i64),
    Failed(i64),
    Refunded(i64, i64),
    Disputed(i64),
    CardSaved,
    /// Not about one of our payments, or nothing to do.
    Ignored(&'static str),
}

impl Applied {
    pub fn describe(&self) -> String {
        match self {
            Applied::Paid(id) => format!("payment {id} paid"),
            Applied::AlreadyDone(id) => format!("payment {id} already up to date"),
            Applied::Failed(id) => format!("payment {id} failed"),
            Applied::Refunded(id, minor) => format!("payment {id}: {minor} refunded"),
            Applied::Disputed(id) => format!("payment {id} disputed"),
            Applied::CardSaved => "card saved".into(),
            Applied::Ignored(why) => format!("ignored: {why}"),
        }
    }
}

/// The money Stripe took for one of our payments.
pub struct Success<'a> {
    pub payment_id: i64,
    pub payment_intent: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
}

async fn ours(tx: &mut TenantTx, payment_id: i64) -> Result<Option<Payment>, Refusal> {
    if store::charge(tx, payment_id).await?.is_none() {
        return Ok(None);
    }
    Ok(payments::find(tx, payment_id).await?)
}

/// The payment went through.
pub async fn succeeded(tx: &mut TenantTx, success: Success<'_>) -> Result<Applied, Refusal> {
    let Some(payment) = ours(tx, success.payment_id).await? else {
        return Ok(Applied::Ignored("not a card payment of this association"));
    };
    let same_money = payment.amount.minor() == success.amount_minor
        && payment
            .amount
            .currency()
            .code()
            .eq_ignore_ascii_case(success.currency);
    if !same_money {
        // Never happens unless someone edits the payment on Stripe's side:
        // the treasurer looks at it; nothing is recorded as paid.
        audit::record(
            tx,
            Entry::new("card_payments.amount_mismatch")
                .on(payment.payer_id)
                .with(json!({ "payment": payment.id, "stripe_minor": success.amount_minor })),
        )
        .await?;
        return Ok(Applied::Ignored("the amount differs from the payment's"));
    }
    store::set_intent(tx, payment.id, success.payment_intent).await?;
    if payment.status == PaymentStatus::Failed {
        // Money taken for a payment given up (a page paid as it expired):
        // the treasurer refunds it or records it; the event list says so.
        audit::record(
            tx,
            Entry::new("card_payments.paid_after_failure")
                .on(payment.payer_id)
                .with(json!({ "payment": payment.id, "payment_intent": success.payment_intent })),
        )
        .await?;
        return Ok(Applied::Ignored(
            "paid on Stripe after it was given up: refund or record it",
        ));
    }
    if payment.status != PaymentStatus::Pending {
        return Ok(Applied::AlreadyDone(payment.id));
    }
    payments::link_provider(tx, payment.id, "stripe", success.payment_intent).await?;
    payments::mark_paid_on(tx, payment.id, today(), None).await?;
    Ok(Applied::Paid(payment.id))
}

/// A Checkout page closed unpaid: the dues are free to be paid again.
pub async fn abandoned(tx: &mut TenantTx, payment_id: i64) -> Result<Applied, Refusal> {
    let Some(payment) = ours(tx, payment_id).await? else {
        return Ok(Applied::Ignored("not a card payment of this association"));
    };
    if payment.status != PaymentStatus::Pending {
        return Ok(Applied::AlreadyDone(payment.id));
    }
    payments::mark_failed(tx, payment.id, None).await?;
    if let Some(gift) = store::charge(tx, payment.id).await?.and_then(|c| c.gift_id) {
        super::gifts::end(tx, gift).await?;
    }
    Ok(Applied::Failed(payment.id))
}

/// Stripe's running total of what was refunded of the payment.
pub async fn refunded(
    tx: &mut TenantTx,
    payment_intent: &str,
    refunded_minor: i64,
) -> Result<Applied, Refusal> {
    let Some(charge) = store::charge_by_intent(tx, payment_intent).await? else {
        return Ok(Applied::Ignored("no payment with this payment intent"));
    };
    let Some(payment) = payments::find(tx, charge.payment_id).await? else {
        return Ok(Applied::Ignored("payment gone"));
    };
    let payment = pay_first(tx, payment).await?;
    let missing = refunded_minor.min(payment.amount.minor()) - payment.refunded.minor();
    let Some(amount) = Amount::new(missing, payment.amount.currency()).filter(Amount::is_positive)
    else {
        return Ok(Applied::AlreadyDone(payment.id));
    };
    payments::refund(tx, payment.id, amount, "refunded on Stripe", None).await?;
    Ok(Applied::Refunded(payment.id, missing))
}

/// A refund or dispute reported before the success: the money did arrive.
async fn pay_first(tx: &mut TenantTx, payment: Payment) -> Result<Payment, Refusal> {
    if payment.status != PaymentStatus::Pending {
        return Ok(payment);
    }
    payments::mark_paid_on(tx, payment.id, today(), None).await
}

/// The cardholder disputed the payment: Stripe took the amount back.
pub async fn disputed(
    tx: &mut TenantTx,
    payment_intent: &str,
    amount_minor: i64,
    reason: &str,
) -> Result<Applied, Refusal> {
    let Some(charge) = store::charge_by_intent(tx, payment_intent).await? else {
        return Ok(Applied::Ignored("no payment with this payment intent"));
    };
    if !store::set_disputed(tx, charge.payment_id).await? {
        return Ok(Applied::AlreadyDone(charge.payment_id));
    }
    let Some(payment) = payments::find(tx, charge.payment_id).await? else {
        return Ok(Applied::Ignored("payment gone"));
    };
    let payment = pay_first(tx, payment).await?;
    let left = payment.amount.minor() - payment.refunded.minor();
    let taken = amount_minor.min(left);
    if let Some(amount) = Amount::new(taken, payment.amount.currency()).filter(Amount::is_positive)
    {
        let why = format!("card dispute ({reason})");
        payments::refund(tx, payment.id, amount, &why, None).await?;
    }
    audit::record(
        tx,
        Entry::new("card_payments.disputed")
            .on(payment.payer_id)
            .with(json!({ "payment": payment.id, "amount_minor": taken, "reason": reason })),
    )
    .await?;
    Ok(Applied::Disputed(payment.id))
}
