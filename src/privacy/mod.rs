//! Personal data across the modules: a member's consents, kept with their
//! wording and dates ([`consents`]); the member directory, opted-in
//! members and chosen fields only, for members only ([`directory`]); the
//! administrator's processing register ([`register`]); and keeping every
//! sealed column (phones, IBANs, 2FA secrets, SEPA files) under the
//! keyring's active key ([`sealing`]). Pages: [`pages`]; API: [`api`].

pub mod api;
pub mod consents;
pub mod directory;
mod pages;
pub mod register;
pub mod sealing;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post, put};

pub use api::Doc;
pub use sealing::{Resealed, reseal_tenant};

use crate::themes::Themes;

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/me/consents", get(api::mine))
        .route(
            "/api/v1/me/consents/{purpose}",
            put(api::grant).delete(api::withdraw),
        )
        .route("/api/v1/me/directory", put(api::choose_fields))
        .route("/api/v1/directory", get(api::list))
        .route("/api/v1/privacy/register", get(api::register))
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
        .route("/accounts/privacy/", get(pages::show))
        .route("/accounts/privacy/consents", post(pages::consent))
        .route("/accounts/privacy/directory", post(pages::choose_fields))
        .route("/directory", get(pages::members))
        .route("/staff/privacy/register", get(pages::register))
}

/// Once a day, one job per ready tenant re-seals what is not under the
/// active key yet (see [`sealing`]).
pub fn register(registry: &mut crate::jobs::Registry) {
    sealing::register(registry);
}
