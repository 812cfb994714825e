//! Custom domains: a tenant claims a hostname, proves it controls it (a TXT
//! record read through a real resolver, or an HTTP token reached through
//! its DNS), and only then does the host route; checks repeat, a lost proof
//! stops routing after a grace period, and a primary domain makes the
//! others redirect to it. Claims live in `tenancy::claims` (platform
//! tables); this module decides, checks and serves pages and the API.

pub mod api;
mod check;
mod checking;
pub mod dns;
mod http_check;
pub mod pages;
mod service;

use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

pub use http_check::is_public;
pub use service::{AddressRecord, DomainError, Domains, Instructions};

use crate::jobs::{JobError, Registry};

/// Claims checked per pass of the recurring job.
const BATCH: i64 = 50;

/// The staff pages.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Domains: axum::extract::FromRef<S>,
    crate::themes::Themes: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/staff/domains/", get(pages::list).post(pages::add))
        .route("/staff/domains/{host}", get(pages::detail))
        .route("/staff/domains/{host}/check", post(pages::check))
        .route("/staff/domains/{host}/primary", post(pages::primary))
        .route("/staff/domains/{host}/delete", post(pages::delete))
}

/// `/api/v1/domains` (merged into `api::router`, behind its rate limit).
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Domains: axum::extract::FromRef<S>,
{
    Router::new()
        .route("/api/v1/domains", get(api::list).post(api::create))
        .route("/api/v1/domains/{host}", get(api::show).delete(api::delete))
        .route("/api/v1/domains/{host}/verify", post(api::verify))
        .route("/api/v1/domains/{host}/primary", post(api::primary))
}

/// Checks due claims every minute (pending ones back off on their own).
pub fn register(registry: &mut Registry, domains: Domains) {
    registry.every(
        "platform.domains.check",
        Duration::from_secs(60),
        move |_, _| {
            let domains = domains.clone();
            async move {
                domains.check_due(BATCH).await.map_err(JobError::retry)?;
                Ok(())
            }
        },
    );
}
