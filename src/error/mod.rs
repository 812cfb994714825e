//! `AppError`: the one error type of the web layer, mapped once to HTTP.
//!
//! A handler returns `Err(AppError)`; [`AppError::into_response`] only sets
//! the status and stores a [`Problem`] in the response extensions. The
//! [`web::errors`](crate::web::errors) middleware then writes the body the
//! client wants: RFC 9457 `application/problem+json` for the API, a themed
//! HTML page for people. Server-side causes are logged there, never sent.

mod refusal;

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use refusal::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(Cow<'static, str>),
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    /// No valid credentials (API: a missing, expired or foreign token).
    #[error("{0}")]
    Unauthorized(Cow<'static, str>),
    /// Signed in, but the role or scope does not allow it.
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    /// Throttled: try again after this many seconds.
    #[error("too many attempts; try again in {0} seconds")]
    TooManyRequests(u64),
    /// Well-formed but invalid input (a failed validation).
    #[error("{0}")]
    Unprocessable(Cow<'static, str>),
    #[error("this site is temporarily unavailable")]
    Suspended,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A page could not be rendered (the `themes` layer converts its errors).
    #[error("template error: {0}")]
    Render(Box<dyn std::error::Error + Send + Sync>),
    #[error("internal error: {0}")]
    Internal(Cow<'static, str>),
    /// A service we depend on (a payment provider) failed or is out of
    /// reach: nothing was changed, the person may try again.
    #[error("upstream service failed: {0}")]
    Upstream(Cow<'static, str>),
}

/// What the client is told, independent of the body format.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    /// Stable machine-readable code; the `type` URI ends with it.
    pub code: &'static str,
    pub title: &'static str,
    /// Safe to show: never set for server-side failures.
    pub detail: Option<String>,
    /// The cause, for the log only.
    pub cause: Option<String>,
}

impl AppError {
    pub fn problem(&self) -> Problem {
        let (status, code, title) = match self {
            Self::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            Self::Unauthorized(_) => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Authentication required",
            ),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            Self::TooManyRequests(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-requests",
                "Too many requests",
            ),
            Self::Unprocessable(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "Invalid input",
            ),
            Self::Suspended => (
                StatusCode::SERVICE_UNAVAILABLE,
                "site-suspended",
                "Site temporarily unavailable",
            ),
            Self::Database(sqlx::Error::PoolTimedOut) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "Server busy, try again shortly",
            ),
            Self::Database(error) if is_paused_write(error) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "moving",
                "This site is moving to another server; changes are paused for a minute",
            ),
            Self::Upstream(_) => (
                StatusCode::BAD_GATEWAY,
                "upstream",
                "A service we depend on did not answer; try again shortly",
            ),
            Self::Database(_) | Self::Render(_) | Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal server error",
            ),
        };
        let client_error = status.is_client_error();
        Problem {
            status,
            code,
            title,
            detail: client_error.then(|| self.to_string()),
            cause: (!client_error).then(|| self.to_string()),
        }
    }
}

/// A write refused because the tenant's transactions are read-only while
/// it moves to another node (SQLSTATE 25006, read_only_sql_transaction).
fn is_paused_write(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "25006")
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.problem().into_response();
        let headers = response.headers_mut();
        match self {
            Self::TooManyRequests(seconds) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            }
            Self::Database(error) if is_paused_write(&error) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(30));
            }
            Self::Unauthorized(_) => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_mistakes_are_4xx_with_detail() {
        let problem = AppError::BadRequest("the slug is too short".into()).problem();
        assert_eq!(problem.status, StatusCode::BAD_REQUEST);
        assert_eq!(problem.detail.as_deref(), Some("the slug is too short"));
        assert!(problem.cause.is_none());
    }

    #[test]
    fn server_failures_hide_their_cause() {
        let problem = AppError::Database(sqlx::Error::RowNotFound).problem();
        assert_eq!(problem.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(problem.detail.is_none());
        assert!(problem.cause.is_some_and(|c| c.contains("no rows")));
    }

    #[test]
    fn pool_exhaustion_is_503() {
        let problem = AppError::Database(sqlx::Error::PoolTimedOut).problem();
        assert_eq!(problem.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
