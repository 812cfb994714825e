//! What an online payment provider must offer Tessera: a hosted checkout
//! for an amount that was shown to the member (nothing added), the check
//! of its signed notifications (each with an id, so one delivered twice is
//! applied once), and refunds. What a notification means is the provider
//! module's business (it applies it to payments through this module's
//! functions). Payments it takes are recorded with `Method::Online` and
//! its own id, unique per provider. The first provider is Stripe
//! (`card_payments::provider`).

use axum::http::HeaderMap;
use futures::future::BoxFuture;

use crate::model::Amount;

/// A checkout to start for one pending payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub payment_id: i64,
    /// The payer, as the provider knows them.
    pub customer: String,
    /// Exactly what the member saw.
    pub amount: Amount,
    pub description: String,
    /// Keep the card for later charges the member agreed to.
    pub save_card: bool,
    pub locale: String,
    /// Where the provider sends the member back, paid or not.
    pub return_url: String,
    pub cancel_url: String,
}

/// Where to send the member to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub provider_ref: String,
    pub redirect_url: String,
}

/// A notification whose signature holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The provider's id of it: the same notification delivered again
    /// carries the same id.
    pub id: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The notification's signature or shape is wrong: answer 400.
    #[error("rejected notification: {0}")]
    Rejected(String),
    /// The payer's bank said no.
    #[error("declined: {0}")]
    Declined(String),
    /// The provider refused the request or our credentials.
    #[error("refused by the provider: {0}")]
    Refused(String),
    #[error("provider unavailable: {0}")]
    Unavailable(String),
}

pub trait PaymentProvider: Send + Sync {
    /// Stored in `payments.provider`.
    fn name(&self) -> &'static str;

    fn start_checkout(
        &self,
        request: CheckoutRequest,
    ) -> BoxFuture<'_, Result<Checkout, ProviderError>>;

    /// Checks a notification (webhook) as received, body untouched.
    fn verify_notification(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Notification, ProviderError>;

    /// Gives back `amount` of the payment `provider_ref`; `sequence` (what
    /// was refunded of it before) makes a repeated request one refund.
    /// Returns the provider's id of the refund.
    fn refund(
        &self,
        provider_ref: &str,
        amount: Amount,
        sequence: i64,
    ) -> BoxFuture<'_, Result<String, ProviderError>>;
}
