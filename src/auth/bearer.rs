//! Bearer credentials of API calls: `Authorization: Bearer <token>`.
//! (Access tokens and API keys are added by the API layer of this module.)

use axum::http::request::Parts;

use super::context::RequestAuth;
use super::guard::Principal;
use crate::error::AppError;

/// The principal an API request's bearer token names; `None` without one.
pub async fn principal(
    _parts: &mut Parts,
    _context: &RequestAuth,
) -> Result<Option<Principal>, AppError> {
    Ok(None)
}
