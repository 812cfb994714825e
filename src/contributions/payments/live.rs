//! Tells open dashboards about a payment ([`crate::live`]), in the
//! writer's transaction: heard once it commits, never if it rolls back.

use super::Payment;
use crate::contributions::error::Error;
use crate::db::TenantTx;
use crate::live::{self, LiveEvent, PaymentChange, PaymentEvent};
use crate::model::Amount;

/// The payment just written (found again), once `change` is published;
/// `amount` is what changed hands when not the whole payment (a refund).
pub(super) async fn announced(
    tx: &mut TenantTx,
    found: Option<Payment>,
    change: PaymentChange,
    amount: Option<Amount>,
) -> Result<Payment, Error> {
    let payment = found.ok_or(Error::NotFound("payment"))?;
    let amount = amount.unwrap_or(payment.amount);
    let event = LiveEvent::Payment(PaymentEvent {
        id: payment.id,
        amount: amount.decimal(),
        currency: amount.currency().code().to_owned(),
        method: payment.method.as_str().to_owned(),
        change,
        payer: live::cut(&payment.payer_name),
    });
    live::publish(tx, &event).await?;
    Ok(payment)
}
