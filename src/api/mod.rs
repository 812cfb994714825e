//! The JSON API of a tenant (`/api/v1`) and OAuth2: log-in and tokens
//! (`auth`), one's profile (`profile`), the member directory (`users`),
//! API keys (`keys`, with the staff page in `staff`), OAuth2 (`oauth`), the
//! rate limit (`limit`) and the OpenAPI document (`openapi`).
//!
//! Credentials (JWTs, refresh tokens, API keys) are `auth`'s; this module
//! turns them into endpoints. Every error is an RFC 9457 problem.

pub mod auth;
pub mod json;
pub mod keys;
pub mod limit;
pub mod oauth;
pub mod openapi;
pub mod profile;
pub mod staff;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::extract::FromRef;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};

pub use limit::RateLimit;

use crate::themes::Themes;

pub fn router<S>(limit: RateLimit) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    crate::domains::Domains: FromRef<S>,
    crate::notifications::Notifications: FromRef<S>,
    crate::documents::Documents: FromRef<S>,
    crate::affiliation::Affiliation: FromRef<S>,
    crate::webhooks::Webhooks: FromRef<S>,
    crate::live::Live: FromRef<S>,
    crate::reporting::federation::Federations: FromRef<S>,
    crate::storage::Storage: FromRef<S>,
    crate::card_payments::CardPayments: FromRef<S>,
{
    let api = Router::new()
        .route("/api/v1/auth/register", post(auth::register))
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/refresh", post(auth::refresh_tokens))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route(
            "/api/v1/auth/user",
            get(profile::show).patch(profile::update),
        )
        .route("/api/v1/users", get(users::list))
        .route("/api/v1/users/{id}", get(users::show).patch(users::update))
        .route("/api/v1/api-keys", get(keys::list).post(keys::create_key))
        .route("/api/v1/api-keys/{id}", delete(keys::revoke_key))
        .route("/api/v1/oauth/token", post(oauth::token::token))
        .route("/api/v1/openapi.json", get(openapi::document))
        .merge(crate::contributions::api::router())
        .merge(crate::announcements::api::router())
        .merge(crate::projects::api::router())
        .merge(crate::domains::api_router())
        .merge(crate::notifications::api_router())
        .merge(crate::documents::api_router())
        .merge(crate::affiliation::api::router())
        .merge(crate::webhooks::api_router())
        .merge(crate::reporting::api_router())
        .merge(crate::direct_debit::api_router())
        .merge(crate::tax_receipts::api_router())
        .merge(crate::privacy::api_router())
        .merge(crate::card_payments::api_router())
        .route_layer(from_fn_with_state(limit, limit::limit));
    Router::new()
        .merge(api)
        .route(
            "/oauth/authorize",
            get(oauth::authorize::show).post(oauth::authorize::answer),
        )
        .merge(staff::router())
}
