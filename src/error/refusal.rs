//! `Refusal`: why a feature's store refused a request, in one shape the
//! features share: bad input (a field, a stable code the pages translate
//! under their own prefix, an English message the API shows), something
//! not found, a state that forbids it, or the database. It becomes an
//! [`AppError`](super::AppError) (422, 404, 409, 500) at the edge.

use std::borrow::Cow;

use super::AppError;
use crate::model::MoneyError;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Bad input: nothing was written.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        /// Stable, for translations (`<module>-error-<code>`).
        code: &'static str,
        message: Cow<'static, str>,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is valid but the state forbids it (closed plan, full
    /// plan, already refunded …).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: Cow<'static, str>,
    },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl Refusal {
    pub fn invalid(
        field: &'static str,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Refusal::Invalid {
            field,
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Refusal::Conflict {
            code,
            message: message.into(),
        }
    }

    /// The money error of `field`, as bad input.
    pub fn money(field: &'static str, error: MoneyError) -> Self {
        let code = match error {
            MoneyError::UnknownCurrency => "unknown-currency",
            MoneyError::NotAnAmount => "not-an-amount",
            MoneyError::TooPrecise => "too-precise",
            MoneyError::TooLarge => "too-large",
            MoneyError::Negative => "negative",
            MoneyError::CurrencyMismatch => "wrong-currency",
        };
        Refusal::invalid(field, code, error.to_string())
    }

    /// The stable code of a client mistake (`None` for the database).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Refusal::Invalid { code, .. } | Refusal::Conflict { code, .. } => Some(code),
            Refusal::NotFound(_) => Some("not-found"),
            Refusal::Database(_) => None,
        }
    }

    /// The field a form should mark.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<Refusal> for AppError {
    fn from(error: Refusal) -> Self {
        match error {
            Refusal::Invalid { field, message, .. } => {
                AppError::Unprocessable(format!("{field}: {message}").into())
            }
            Refusal::NotFound(_) => AppError::NotFound,
            Refusal::Conflict { message, .. } => AppError::Conflict(message),
            Refusal::Database(error) => AppError::Database(error),
        }
    }
}
