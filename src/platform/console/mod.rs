//! The operators' console (`/console…` on the platform host): the
//! dashboard, tenants (list, create, detail, suspend and resume), the
//! platform audit log, and the mail outbox when mails are kept there;
//! a tenant's export, deletion and restoration ([`lifecycle`]).
//! Support operators read everything; writes need the operator role.

pub mod lifecycle;
pub mod tenants;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;

use super::operators::OperatorPrincipal;
use super::tenants::{ListFilter, Tenants};
use crate::error::AppError;
use crate::themes::Themes;
use crate::themes::console::ConsoleView;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Tenants: FromRef<S>,
    crate::portability::Portability: FromRef<S>,
{
    Router::new()
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/console") }),
        )
        .route("/console", get(dashboard))
        .route("/console/tenants", get(tenants::list).post(tenants::create))
        .route("/console/tenants/new", get(tenants::new_form))
        .route("/console/tenants/{slug}", get(tenants::detail))
        .route("/console/tenants/{slug}/suspend", post(tenants::suspend))
        .route("/console/tenants/{slug}/resume", post(tenants::resume))
        .route("/console/tenants/{slug}/export", get(lifecycle::export))
        .route("/console/tenants/{slug}/delete", post(lifecycle::delete))
        .route("/console/tenants/{slug}/restore", post(lifecycle::restore))
}

#[derive(Serialize)]
struct Dashboard {
    operator: OperatorPrincipal,
    stats: super::tenants::stats::PlatformStats,
    recent: Vec<super::tenants::TenantLine>,
}

async fn dashboard(
    State(themes): State<Themes>,
    State(tenants): State<Tenants>,
    view: ConsoleView,
    operator: OperatorPrincipal,
) -> Result<Response, AppError> {
    let stats = tenants.stats().await?;
    let filter = ListFilter {
        limit: Some(10),
        ..Default::default()
    };
    let recent = tenants.list(&filter).await?.items;
    let page = Dashboard {
        operator,
        stats,
        recent,
    };
    themes.console_page(&view, "platform/dashboard.html", StatusCode::OK, &page)
}
