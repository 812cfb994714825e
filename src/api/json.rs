//! JSON in and out of the API: [`ApiJson`] reads a body and turns every
//! way it can be wrong (not JSON, wrong shape, too large) into a problem
//! (400, 422, 413), never a 500; [`problem`] builds a problem with a code
//! of its own (`totp-required`) when `AppError` has none for it.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::{AppError, Problem};
use crate::web::transaction::KeepWrites;

/// A JSON body of type `T`.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(refusal(rejection)),
        }
    }
}

fn refusal(rejection: JsonRejection) -> Response {
    match rejection {
        JsonRejection::JsonDataError(error) => {
            AppError::Unprocessable(error.body_text().into()).into_response()
        }
        JsonRejection::JsonSyntaxError(_) => {
            AppError::BadRequest("the body is not valid JSON".into()).into_response()
        }
        JsonRejection::MissingJsonContentType(_) => problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the body as application/json",
        ),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
            "the request body is too large",
        ),
        _ => AppError::BadRequest("the request body could not be read".into()).into_response(),
    }
}

/// A problem response with its own code; the body is written by
/// `web::errors` like every other problem.
pub fn problem(
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: &str,
) -> Response {
    Problem {
        status,
        code,
        title,
        detail: Some(detail.to_owned()),
        cause: None,
    }
    .into_response()
}

/// An error response whose writes (an audit entry, a spent code) stand.
pub fn keeping_writes(response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    response.extensions_mut().insert(KeepWrites);
    response
}

/// Query parameters of type `T`; a malformed one is a 400 problem.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Self)
            .map_err(|e| AppError::BadRequest(format!("bad query parameters: {e}").into()))
    }
}
