//! Outgoing webhooks: an association's administrators register HTTPS
//! endpoints, and events of its own (first from affiliation: referrals,
//! commissions, payouts) are POSTed to them, signed in the Standard
//! Webhooks format.
//!
//! Producers call [`emit`] inside their own transaction with a dotted
//! event type (`commission.created`; the rules are in [`event`]) and
//! JSON data: the event and one delivery per active endpoint whose filter
//! takes it are written, and one `webhooks.deliver` job per delivery is
//! queued, all in the producer's transaction. The job ([`deliver`]) signs
//! with the endpoint's secret ([`secret`], sealed per tenant by
//! [`Webhooks`]) and POSTs through [`sender`], which keeps to public
//! addresses ([`address`]); failures are retried by the job queue's
//! back-off, and an endpoint failing for days is disabled.
//!
//! Administrators manage endpoints on `/staff/webhooks` ([`pages`],
//! [`page_actions`]) and through `/api/v1/webhook-endpoints` ([`api`]);
//! both go through [`actions`], which audits every change. `store` and
//! `deliveries` hold the SQL of `migrations/tenant/0015_webhooks.sql`.

pub mod actions;
pub mod address;
pub mod api;
pub mod deliver;
pub mod deliveries;
mod emit;
pub mod event;
pub mod input;
mod page_actions;
mod pages;
pub mod secret;
pub mod sender;
mod service;
pub mod store;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

pub use deliver::register;
pub use emit::{DELIVER_KIND, emit};
pub use service::Webhooks;

use crate::themes::Themes;

/// The administrators' pages.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Webhooks: FromRef<S>,
{
    Router::new()
        .route("/staff/webhooks", get(pages::list).post(pages::create))
        .route("/staff/webhooks/", get(pages::list))
        .route("/staff/webhooks/{id}", get(pages::show).post(pages::edit))
        .route("/staff/webhooks/{id}/{action}", post(page_actions::act))
}

/// `/api/v1/webhook-endpoints` (merged into `api::router`, behind its rate limit).
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Webhooks: FromRef<S>,
{
    let one = "/api/v1/webhook-endpoints/{id}";
    Router::new()
        .route(
            "/api/v1/webhook-endpoints",
            get(api::list).post(api::create),
        )
        .route(one, get(api::show).patch(api::update).delete(api::remove))
        .route("/api/v1/webhook-endpoints/{id}/rotate", post(api::rotate))
        .route(
            "/api/v1/webhook-endpoints/{id}/deliveries",
            get(api::list_deliveries),
        )
}
