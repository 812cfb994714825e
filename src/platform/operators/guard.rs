//! The console's guard. Every platform-host route but the public few
//! (sign-in, enrolment links, sign-up, static files) sits behind
//! [`require`]: an API call needs an operator's `tso_` token, a page a full
//! console session; anyone else gets 401 or the sign-in page. The host
//! alone grants nothing.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::Operators;
use super::model::{OperatorPrincipal, OperatorRole};
use super::sessions::{Session, Stage};
use crate::auth::RequestAuth;
use crate::auth::bearer::{self, OPERATOR_TOKEN_PREFIX};
use crate::error::AppError;

pub async fn require(State(operators): State<Operators>, request: Request, next: Next) -> Response {
    let (mut parts, body) = request.into_parts();
    let found = match parts.uri.path().starts_with("/api/") {
        true => from_token(&operators, &parts).await,
        false => from_session(&operators, &parts).await,
    };
    match found {
        Ok(principal) => {
            parts.extensions.insert(principal);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(refusal) => refusal,
    }
}

async fn from_token(operators: &Operators, parts: &Parts) -> Result<OperatorPrincipal, Response> {
    let refused =
        || AppError::Unauthorized("an operator's API token is required".into()).into_response();
    let token = bearer::presented(parts)
        .map_err(IntoResponse::into_response)?
        .ok_or_else(refused)?;
    if !token.starts_with(OPERATOR_TOKEN_PREFIX) {
        // A tenant's key or access token: never looked up here.
        return Err(refused());
    }
    let principal = operators
        .token(&token)
        .await
        .map_err(|e| AppError::Database(e).into_response())?
        .ok_or_else(refused)?;
    let ip = parts
        .extensions
        .get::<RequestAuth>()
        .and_then(|a| a.client_ip);
    Ok(OperatorPrincipal { ip, ..principal })
}

async fn from_session(operators: &Operators, parts: &Parts) -> Result<OperatorPrincipal, Response> {
    let auth = parts.extensions.get::<RequestAuth>();
    let session = match auth.and_then(|a| a.session_cookie.as_deref()) {
        Some(cookie) => operators
            .session(cookie)
            .await
            .map_err(|e| AppError::Database(e).into_response())?,
        None => None,
    };
    match session {
        Some(session) if session.stage == Stage::Full => {
            Ok(session.principal(auth.and_then(|a| a.client_ip)))
        }
        Some(session) => Err(Redirect::to(unfinished(session.stage)).into_response()),
        None => Err(to_sign_in(&parts.uri)),
    }
}

/// Where a half-done sign-in continues.
pub fn unfinished(stage: Stage) -> &'static str {
    match stage {
        Stage::Enrol => "/login/enrol",
        _ => "/login/2fa",
    }
}

/// The sign-in page, coming back here afterwards (same host, path only).
fn to_sign_in(uri: &Uri) -> Response {
    let back = uri.path_and_query().map_or("/console", |p| p.as_str());
    let next = url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>();
    let mut response = Redirect::to(&format!("/login?next={next}")).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The operator behind the request; only present behind [`require`], and
/// refused without it (fail closed if a route escaped the guard).
impl<S: Send + Sync> FromRequestParts<S> for OperatorPrincipal {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<OperatorPrincipal>()
            .cloned()
            .ok_or(AppError::Unauthorized("sign in as an operator".into()))
    }
}

/// An operator who may change things (role `operator`); `support` gets 403.
#[derive(Debug, Clone)]
pub struct CanWrite(pub OperatorPrincipal);

impl<S: Send + Sync> FromRequestParts<S> for CanWrite {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let principal = OperatorPrincipal::from_request_parts(parts, state).await?;
        if principal.role < OperatorRole::Operator {
            return Err(AppError::Forbidden(
                "the support role can read but not change anything".into(),
            ));
        }
        Ok(Self(principal))
    }
}

/// The console session of a sign-in in progress (any stage), for the
/// second-factor and enrolment pages.
#[derive(Debug, Clone)]
pub struct SigningIn(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for SigningIn
where
    Operators: axum::extract::FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let operators = <Operators as axum::extract::FromRef<S>>::from_ref(state);
        let cookie = parts
            .extensions
            .get::<RequestAuth>()
            .and_then(|a| a.session_cookie.clone());
        let session = match cookie {
            Some(cookie) => operators
                .session(&cookie)
                .await
                .map_err(|e| AppError::Database(e).into_response())?,
            None => None,
        };
        session
            .map(SigningIn)
            .ok_or_else(|| Redirect::to("/login").into_response())
    }
}
