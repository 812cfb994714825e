//! What can go wrong with a card payment: a refusal of ours (bad input, a
//! state that forbids it), or Stripe's answer. Stripe failing is a 502 for
//! the API and a « try again » message on pages; nothing was written.

use crate::contributions::provider::ProviderError;
use crate::error::{AppError, Refusal};
use crate::stripe::StripeError;

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Stripe(#[from] StripeError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl From<sqlx::Error> for CardError {
    fn from(error: sqlx::Error) -> Self {
        Self::Refused(Refusal::Database(error))
    }
}

impl From<CardError> for AppError {
    fn from(error: CardError) -> Self {
        match error {
            CardError::Refused(refusal) => refusal.into(),
            CardError::Stripe(StripeError::Declined { message, .. }) => {
                AppError::Unprocessable(message.into())
            }
            CardError::Stripe(StripeError::BadKey(_)) => AppError::Conflict(
                "the association's Stripe key was refused: its treasurer must enter it again"
                    .into(),
            ),
            CardError::Stripe(other) => AppError::Upstream(other.to_string().into()),
            CardError::Provider(ProviderError::Declined(why)) => {
                AppError::Unprocessable(format!("the card was declined ({why})").into())
            }
            CardError::Provider(ProviderError::Rejected(why)) => AppError::BadRequest(why.into()),
            CardError::Provider(ProviderError::Refused(why)) => {
                AppError::Conflict(format!("Stripe refused: {why}").into())
            }
            CardError::Provider(ProviderError::Unavailable(why)) => AppError::Upstream(why.into()),
        }
    }
}

/// Card payments are not set up here.
pub fn not_set_up() -> Refusal {
    Refusal::conflict(
        "card-payments-off",
        "this association does not take card payments",
    )
}
