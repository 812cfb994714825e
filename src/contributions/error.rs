//! One error type for the contributions store: what was wrong with the
//! input (a field, a stable code the pages translate, an English message
//! the API shows), what was not found, what conflicts, or the database.

use std::borrow::Cow;

use crate::error::AppError;
use crate::model::MoneyError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: nothing was written.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        /// Stable, for translations: `contributions-error-<code>`.
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

impl Error {
    pub fn invalid(
        field: &'static str,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error::Invalid {
            field,
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error::Conflict {
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
        Error::invalid(field, code, error.to_string())
    }

    /// The stable code of a client mistake (`None` for the database).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { code, .. } | Error::Conflict { code, .. } => Some(code),
            Error::NotFound(_) => Some("not-found"),
            Error::Database(_) => None,
        }
    }

    /// The field a form should mark.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid { field, message, .. } => {
                AppError::Unprocessable(format!("{field}: {message}").into())
            }
            Error::NotFound(_) => AppError::NotFound,
            Error::Conflict { message, .. } => AppError::Conflict(message),
            Error::Database(error) => AppError::Database(error),
        }
    }
}
