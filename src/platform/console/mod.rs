//! The operators' console (`/console…` on the platform host): the
//! dashboard, tenants (list, create, detail, suspend and resume, custom
//! domains), the platform audit log, and the mail outbox when mails are
//! kept there; a tenant's export, deletion and restoration ([`lifecycle`]);
//! the job queue ([`jobs`]), the migration registry ([`migrations`]) and
//! the certificates of custom domains ([`certificates`]).
//! Support operators read everything; writes need the operator role.

mod branding;
pub mod certificates;
mod charts;
mod dashboard;
pub mod domains;
pub mod jobs;
pub mod lifecycle;
pub mod migrations;
pub mod tenants;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

use super::tenants::Tenants;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Tenants: FromRef<S>,
    crate::domains::Domains: FromRef<S>,
    crate::portability::Portability: FromRef<S>,
    crate::platform::ops::Ops: FromRef<S>,
    crate::tls::Tls: FromRef<S>,
{
    Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/console") }),
        )
        .route("/console", get(dashboard::page))
        .route("/console/tenants", get(tenants::list).post(tenants::create))
        .route("/console/tenants/new", get(tenants::new_form))
        .route("/console/tenants/{slug}", get(tenants::detail))
        .route("/console/tenants/{slug}/suspend", post(tenants::suspend))
        .route("/console/tenants/{slug}/resume", post(tenants::resume))
        .route("/console/tenants/{slug}/domains", post(domains::add))
        .route(
            "/console/tenants/{slug}/domains/{host}/verify",
            post(domains::verify),
        )
        .route(
            "/console/tenants/{slug}/domains/{host}/delete",
            post(domains::delete),
        )
        .route(
            "/console/tenants/{slug}/domains/{host}/renew",
            post(certificates::renew_for_tenant),
        )
        .route(
            "/console/tenants/{slug}/edit",
            get(branding::form).post(branding::submit),
        )
        .route("/console/tenants/{slug}/export", get(lifecycle::export))
        .route("/console/tenants/{slug}/delete", post(lifecycle::delete))
        .route("/console/tenants/{slug}/restore", post(lifecycle::restore))
        .route("/console/jobs", get(jobs::page))
        .route("/console/jobs/{id}/retry", post(jobs::retry))
        .route("/console/migrations", get(migrations::page))
        .route("/console/migrations/{slug}/retry", post(migrations::retry))
        .route("/console/certificates", get(certificates::page))
        .route(
            "/console/certificates/{host}/renew",
            post(certificates::renew),
        )
}
