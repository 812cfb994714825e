//! Reporting: what an association's staff, its federation and the
//! platform's operators see of the data the other modules keep.
//!
//! - [`dashboard`] and [`widgets`]: each staff member's dashboard, a
//!   layout of widgets (figures and server-drawn SVG charts, each with its
//!   table), saved per person with a default per role;
//! - [`stream`]: the same figures pushed live over server-sent events,
//!   fed by `NOTIFY` through [`crate::live`] so any instance serves any
//!   dashboard;
//! - [`reports`]: parameterised reports (register, journal, arrears,
//!   renewals, receipts, commissions) as a page, JSON, CSV, XLSX and PDF,
//!   and their schedules mailed by the job queue;
//! - [`accounting`]: the journal an accountant imports (FEC and CSV);
//! - [`alerts`]: thresholds and events staff subscribe to (a failed
//!   payment, arrears above a sum), told through notifications;
//! - [`operators`]: platform figures for operators, computed from the
//!   aggregates each tenant publishes, never from member rows;
//! - [`federation`]: a federation and its clubs, linked by operators and
//!   accepted by both, seeing what the clubs publish.
//!
//! Reporting reads other modules only through their public functions.

pub mod accounting;
pub mod alerts;
pub mod dashboard;
pub mod federation;
pub mod operators;
pub mod reports;
pub mod stream;
pub mod widgets;

use axum::Router;
use axum::extract::FromRef;
use utoipa::OpenApi;

use crate::jobs::Registry;
use crate::live::Live;
use crate::themes::Themes;

/// Staff pages of a portal.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
    federation::Federations: FromRef<S>,
{
    Router::new()
        .merge(dashboard::router())
        .merge(reports::router())
        .merge(accounting::router())
        .merge(federation::router())
        .merge(stream::router())
}

/// `/api/v1/…` of a portal (merged into `api::router`, behind its limit).
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
    federation::Federations: FromRef<S>,
{
    Router::new()
        .merge(dashboard::api_router())
        .merge(reports::api_router())
        .merge(accounting::api_router())
        .merge(federation::api_router())
        .merge(stream::api_router())
}

/// The operators' console pages and API (behind the operators' guard).
pub fn operators_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    federation::Federations: FromRef<S>,
{
    operators::router()
}

/// The portal API's reporting paths, for the OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = dashboard::Doc::openapi();
    doc.merge(reports::schedule_pages::Doc::openapi());
    doc.merge(alerts::Doc::openapi());
    doc.merge(reports::Doc::openapi());
    doc.merge(accounting::Doc::openapi());
    doc.merge(federation::Doc::openapi());
    doc.merge(stream::Doc::openapi());
    doc
}

/// The platform API's reporting paths.
pub fn operators_openapi() -> utoipa::openapi::OpenApi {
    operators::Doc::openapi()
}

/// Background work: scheduled reports, published figures, alerts.
pub fn register(registry: &mut Registry) {
    reports::register(registry);
    operators::register(registry);
    federation::register(registry);
    dashboard::register(registry);
}
