//! The white-label API (`/api/v1/platform/…`), for programs that run the
//! platform: tenants (create returns the administrator's invitation link),
//! suspension, deletion and restoration, export, statistics, certificates
//! of custom domains. Only operators' `tso_` tokens open it; errors
//! are RFC 9457 problems. The seed project's names stay reachable:
//! `/api/v1/whitelabel/sites` is the same router, documented as an alias.

pub mod certificates;
pub mod domains;
pub mod lifecycle;
pub mod openapi;
pub mod tenants;

use axum::Json;
use axum::Router;
use axum::extract::{FromRef, State};
use axum::routing::{get, post};

use super::operators::OperatorPrincipal;
use super::tenants::Tenants;
use super::tenants::stats::PlatformStats;
use crate::domains::Domains;
use crate::error::AppError;

/// Where the tenants' routes are mounted, and their documented alias.
pub const TENANTS: &str = "/api/v1/platform/tenants";
pub const SITES_ALIAS: &str = "/api/v1/whitelabel/sites";

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Tenants: FromRef<S>,
    Domains: FromRef<S>,
    crate::portability::Portability: FromRef<S>,
    crate::tls::Tls: FromRef<S>,
{
    Router::new()
        .nest(TENANTS, tenants_router())
        .nest(SITES_ALIAS, tenants_router())
        .route("/api/v1/platform/whoami", get(whoami))
        .route("/api/v1/platform/stats", get(stats))
        .route("/api/v1/platform/certificates", get(certificates::list))
        .route(
            "/api/v1/platform/certificates/{hostname}/renew",
            post(certificates::renew),
        )
}

fn tenants_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Tenants: FromRef<S>,
    Domains: FromRef<S>,
    crate::portability::Portability: FromRef<S>,
{
    Router::new()
        .route("/", get(tenants::list).post(tenants::create))
        .route(
            "/{slug}",
            get(tenants::show)
                .patch(tenants::update)
                .delete(tenants::delete),
        )
        .route("/{slug}/suspend", post(tenants::suspend))
        .route("/{slug}/resume", post(tenants::resume))
        .route("/{slug}/domains", get(domains::list).post(domains::create))
        .route(
            "/{slug}/domains/{host}",
            get(domains::show).delete(domains::delete),
        )
        .route("/{slug}/domains/{host}/verify", post(domains::verify))
        .route("/{slug}/export", post(lifecycle::export))
        .route("/{slug}/restore", post(lifecycle::restore))
}

/// The operator a token belongs to, and the role it carries.
#[utoipa::path(get, path = "/api/v1/platform/whoami", tag = "platform",
    security(("operator_token" = [])),
    responses((status = 200, body = Object), (status = 401)))]
pub async fn whoami(operator: OperatorPrincipal) -> Json<OperatorPrincipal> {
    Json(operator)
}

/// Platform-wide counts and growth.
#[utoipa::path(get, path = "/api/v1/platform/stats", tag = "platform",
    security(("operator_token" = [])),
    responses((status = 200, body = PlatformStats), (status = 401)))]
pub async fn stats(
    _: OperatorPrincipal,
    State(tenants): State<Tenants>,
) -> Result<Json<PlatformStats>, AppError> {
    Ok(Json(tenants.stats().await?))
}
