//! Platform reports for operators, from per-tenant published aggregates:
//! each tenant publishes its own counts and money ([`publish`]), and the
//! platform's figures are sums of those rows and of the platform's tables
//! ([`report`]), never a read of a tenant's members. The console's pages
//! ([`console`]) and the operators' API ([`api`]) show the same report
//! and manage federation links.

pub mod api;
pub mod console;
pub mod csv;
pub mod publish;
pub mod report;
pub mod xlsx;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get};
use utoipa::OpenApi;

use crate::reporting::federation::Federations;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Federations: FromRef<S>,
{
    Router::new()
        .route("/console/reports", get(console::reports))
        .route("/console/reports/tenants.csv", get(api::tenants_csv))
        .route(
            "/console/federations",
            get(console::federations).post(console::act),
        )
        .route("/api/v1/platform/reports", get(api::show))
        .route(
            "/api/v1/platform/reports/tenants.csv",
            get(api::tenants_csv),
        )
        .route(
            "/api/v1/platform/federations",
            get(api::list).post(api::propose),
        )
        .route("/api/v1/platform/federations/{id}", delete(api::end))
}

#[derive(OpenApi)]
#[openapi(
    paths(api::show, api::tenants_csv, api::list, api::propose, api::end),
    components(schemas(report::Report, report::Count, report::Money, report::JobHealth,
                       report::Migrations, api::ProposeBody,
                       crate::reporting::federation::links::Link)),
    tags((name = "platform-reports", description = "Platform figures summed from what each \
          association publishes (never its members' rows), and federation links.")),
)]
pub struct Doc;

pub fn register(registry: &mut crate::jobs::Registry) {
    publish::register(registry);
}
