//! The platform host: the operators' console and the white-label API.
//!
//! Only a handful of routes answer without credentials: sign-in, the
//! one-time enrolment links, static files, the API's description, the
//! associations' self-service sign-up and Stripe Connect's webhook (signed
//! with the platform's Connect secret).
//! Everything else, unknown paths included, is behind
//! [`operators::require`]: pages need a full console session, the API an
//! operator's token. Knowing the platform host opens nothing.

pub mod api;
pub mod console;
pub mod operators;
pub mod ops;
pub mod signup;
pub mod tenants;

use axum::Router;
use axum::extract::FromRef;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use crate::mail::Outbox;
use crate::themes::Themes;
use operators::{Operators, pages};
use tenants::Tenants;

/// The paths open without credentials (asserted by the tests).
pub const PUBLIC_PATHS: &[&str] = &[
    "/login",
    "/login/2fa",
    "/login/enrol",
    "/logout",
    "/enrol/{token}",
    "/static/{hash}/{*path}",
    "/api/v1/platform/openapi.json",
    "/api/v1/webhooks/stripe",
    "/signup",
    "/signup/slug",
    "/signup/confirm/{token}",
    "/r/{code}",
];

pub fn router<S>(operators: Operators) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Operators: FromRef<S>,
    Tenants: FromRef<S>,
    Outbox: FromRef<S>,
    crate::domains::Domains: FromRef<S>,
    signup::Signups: FromRef<S>,
    crate::portability::Portability: FromRef<S>,
    ops::Ops: FromRef<S>,
    crate::tls::Tls: FromRef<S>,
    crate::affiliation::Affiliation: FromRef<S>,
    crate::reporting::federation::Federations: FromRef<S>,
    crate::card_payments::CardPayments: FromRef<S>,
{
    let public = Router::new()
        .route("/login", get(pages::login_page).post(pages::login))
        .route("/login/2fa", get(pages::code_page).post(pages::code))
        .route("/login/enrol", get(pages::enrol_page).post(pages::enrol))
        .route("/logout", post(pages::logout))
        .route(
            "/enrol/{token}",
            get(pages::link_page).post(pages::accept_link),
        )
        .route(
            "/static/{hash}/{*path}",
            get(crate::themes::assets::serve_builtin),
        )
        .route("/api/v1/platform/openapi.json", get(api::openapi::document))
        .route(
            "/api/v1/webhooks/stripe",
            post(crate::card_payments::api::platform_webhook),
        )
        .route(
            "/signup",
            get(signup::pages::form).post(signup::pages::submit),
        )
        .route("/signup/slug", get(signup::pages::slug))
        .route(
            "/r/{code}",
            get(crate::affiliation::capture::platform_short_link),
        )
        .route(
            "/signup/confirm/{token}",
            get(signup::pages::confirm_page).post(signup::pages::confirm),
        );
    let protected = Router::new()
        .merge(console::router())
        .merge(api::router())
        .merge(crate::affiliation::operators::router())
        .merge(crate::reporting::operators_router())
        .route(
            "/console/affiliation",
            get(crate::affiliation::console::page).post(crate::affiliation::console::act),
        )
        .merge(crate::mail::outbox::router())
        .fallback(not_found)
        .layer(from_fn_with_state(operators, operators::require));
    public.merge(protected)
}

async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}
