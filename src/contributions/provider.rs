//! What an online payment provider (card, SEPA direct debit …) must offer
//! Tessera. None is built in yet: the first real one comes with online
//! payments. A provider starts a checkout for an amount that was shown to
//! the member (nothing added), turns its signed notifications into
//! [`ProviderEvent`]s, and refunds. Payments it reports are recorded with
//! `Method::Online` and its own id, unique per provider, so a notification
//! delivered twice records one payment.

use futures::future::BoxFuture;

use crate::model::Amount;

/// A checkout to start for one payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub payer_id: i64,
    pub membership_ids: Vec<i64>,
    /// Exactly what the member saw.
    pub amount: Amount,
    pub description: String,
    /// Where the provider sends the member back.
    pub return_url: String,
}

/// Where to send the member to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub provider_ref: String,
    pub redirect_url: String,
}

/// What a provider's notification says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderEvent {
    Succeeded {
        provider_ref: String,
        amount: Amount,
    },
    /// `retrying`: the provider will try again; the member stays in grace.
    Failed {
        provider_ref: String,
        retrying: bool,
    },
    Refunded {
        provider_ref: String,
        amount: Amount,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The notification's signature or shape is wrong: answer 400.
    #[error("rejected notification: {0}")]
    Rejected(String),
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

    /// Verifies and reads a notification (webhook) body.
    fn parse_notification(
        &self,
        headers: &axum::http::HeaderMap,
        body: &[u8],
    ) -> Result<ProviderEvent, ProviderError>;

    fn refund(
        &self,
        provider_ref: &str,
        amount: Amount,
    ) -> BoxFuture<'_, Result<(), ProviderError>>;
}
