//! What can go wrong with a card payment: a refusal of ours (bad input, a
//! state that forbids it), or Stripe's answer. Stripe failing is a 502 for
//! the API and a « try again » message on pages; nothing was written.

use crate::error::{AppError, Refusal};
use crate::stripe::StripeError;

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Stripe(#[from] StripeError),
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
