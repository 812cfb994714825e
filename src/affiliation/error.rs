//! One error type for affiliation: bad input (a field, a stable code the
//! pages translate as `affiliation-error-<code>`, an English message the
//! API shows), something not there, a state that refuses, or the database.

use std::borrow::Cow;

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: nothing was written.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        code: &'static str,
        message: Cow<'static, str>,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Valid, but the state forbids it (below the threshold, banned …).
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

impl From<crate::contributions::Error> for Error {
    fn from(error: crate::contributions::Error) -> Self {
        use crate::contributions::Error as C;
        match error {
            C::Invalid {
                field,
                code,
                message,
            } => Error::Invalid {
                field,
                code,
                message,
            },
            C::NotFound(what) => Error::NotFound(what),
            C::Conflict { code, message } => Error::Conflict { code, message },
            C::Database(error) => Error::Database(error),
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
