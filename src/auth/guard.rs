//! Who is asking, as extractors every module uses:
//!
//! - [`Viewer`]: the signed-in person, if any;
//! - [`SignedIn`]: someone must be signed in (a browser is sent to the
//!   sign-in page, an API client gets 401);
//! - [`RequireRole<R>`]: at least role `R` (`RequireRole<Treasurer>`), else 403.
//!
//! A browser is known by its session cookie; an API client (paths under
//! `/api/`) by its bearer token (see [`super::bearer`]). Cookies never
//! authenticate API calls, and tokens never authenticate pages, so neither
//! can be replayed through the other door. The lookup runs once per request
//! in the request's own transaction.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

use super::context::{self, RequestAuth};
use super::role::{MinRole, Role};
use super::session::{self, Stage};
use super::{Scope, bearer};
use crate::db::TxScope;
use crate::error::AppError;

/// An authenticated person and how they proved it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: i64,
    pub role: Role,
    pub via: Via,
}

#[derive(Debug, Clone)]
pub enum Via {
    /// A browser session (its digest).
    Session { id_hash: Vec<u8> },
    /// An API access token (JWT) or OAuth2 token.
    AccessToken,
    /// An integration's API key, limited to its scopes.
    ApiKey { key_id: i64, scopes: Vec<Scope> },
}

impl Principal {
    /// Whether the principal may perform `scope`: people may do what their
    /// role allows (checked by the guards); API keys only what they were
    /// granted.
    pub fn allows(&self, scope: &Scope) -> bool {
        match &self.via {
            Via::ApiKey { scopes, .. } => scopes.iter().any(|granted| granted.covers(scope)),
            _ => true,
        }
    }

    /// The browser session's digest, when signed in through one.
    pub fn session(&self) -> Option<&[u8]> {
        match &self.via {
            Via::Session { id_hash } => Some(id_hash),
            _ => None,
        }
    }
}

/// The result of the lookup, kept in the request so it runs once.
#[derive(Clone)]
struct Resolved(Option<Principal>);

/// The request's principal, if any.
pub async fn principal(parts: &mut Parts) -> Result<Option<Principal>, AppError> {
    if let Some(Resolved(found)) = parts.extensions.get::<Resolved>() {
        return Ok(found.clone());
    }
    let found = lookup(parts).await?;
    parts.extensions.insert(Resolved(found.clone()));
    Ok(found)
}

async fn lookup(parts: &mut Parts) -> Result<Option<Principal>, AppError> {
    let Some(context) = context::of(&parts.extensions).cloned() else {
        return Ok(None);
    };
    if parts.uri.path().starts_with("/api/") {
        return bearer::principal(parts, &context).await;
    }
    let Some(cookie) = context.session_cookie.as_deref() else {
        return Ok(None);
    };
    let mut tx = request_tx(parts)?;
    let found = session::find(&mut tx, cookie).await?;
    Ok(found
        .filter(|session| session.stage == Stage::Full)
        .map(|session| Principal {
            account_id: session.account_id,
            role: session.role,
            via: Via::Session {
                id_hash: session.id_hash,
            },
        }))
}

/// The request's transaction, borrowed for a lookup: dropping it hands it
/// back to the scope, where the handler will find it open.
pub fn request_tx(parts: &Parts) -> Result<crate::db::TenantTx, AppError> {
    let scope = parts.extensions.get::<TxScope>().ok_or(AppError::Internal(
        "no tenant transaction on this route".into(),
    ))?;
    scope.tx().ok_or(AppError::Internal(
        "the tenant transaction is in use".into(),
    ))
}

/// The signed-in person, if any.
pub struct Viewer(pub Option<Principal>);

impl<S: Send + Sync> FromRequestParts<S> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(principal(parts).await?))
    }
}

/// Someone is signed in.
pub struct SignedIn(pub Principal);

/// Why a guard refused: people are sent to sign in, programs get 401.
pub enum Refusal {
    SignIn { next: String },
    Error(AppError),
}

impl From<AppError> for Refusal {
    fn from(error: AppError) -> Self {
        Self::Error(error)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn { next } => {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Redirect::to(&format!("/accounts/login/?next={next}")).into_response()
            }
            Refusal::Error(error) => error.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match principal(parts).await? {
            Some(principal) => Ok(Self(principal)),
            None if parts.uri.path().starts_with("/api/") => Err(Refusal::Error(
                AppError::Unauthorized("a valid access token is required".into()),
            )),
            None => Err(Refusal::SignIn {
                next: parts.uri.path().to_owned(),
            }),
        }
    }
}

/// Someone with at least role `R` is signed in.
pub struct RequireRole<R: MinRole>(pub Principal, PhantomData<R>);

impl<R: MinRole> RequireRole<R> {
    pub fn principal(&self) -> &Principal {
        &self.0
    }
}

impl<S: Send + Sync, R: MinRole> FromRequestParts<S> for RequireRole<R> {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let SignedIn(principal) = SignedIn::from_request_parts(parts, state).await?;
        if principal.role < R::ROLE {
            return Err(Refusal::Error(AppError::Forbidden(
                format!("this needs the {} role or above", R::ROLE).into(),
            )));
        }
        Ok(Self(principal, PhantomData))
    }
}

/// The auth context of the request (cookie policy, CSRF token, services).
impl<S: Send + Sync> FromRequestParts<S> for RequestAuth {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        context::of(&parts.extensions)
            .cloned()
            .ok_or(AppError::Internal(
                "auth context missing on this route".into(),
            ))
    }
}
