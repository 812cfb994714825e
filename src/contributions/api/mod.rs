//! The contributions API under `/api/v1` (merged into `api::router`'s
//! routes, behind its rate limit) and the treasurer's export downloads
//! (`staff_router`). Treasurers and admins with an access token, or API
//! keys with `contributions:read` / `contributions:write`; members read
//! only their own (`/api/v1/auth/user/payments`, `…/memberships`).
//! Errors are problems; money is `{"minor", "currency"}` (with `"decimal"`
//! in answers) everywhere.

pub mod balance;
pub mod export;
pub mod households;
pub mod idempotent;
pub mod list;
pub mod memberships;
pub mod money;
pub mod payments;
pub mod plans;

use axum::Router;
use axum::routing::{get, post};

/// The `/api/v1` routes.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let mut routes = Router::new();
    // `subscriptions` is the seed's name for memberships: both are served.
    for base in ["/api/v1/memberships", "/api/v1/subscriptions"] {
        routes = routes
            .route(base, get(memberships::list).post(memberships::join))
            .route(&format!("{base}/{{id}}"), get(memberships::show))
            .route(&format!("{base}/{{id}}/renew"), post(memberships::renew))
            .route(&format!("{base}/{{id}}/cancel"), post(memberships::cancel));
    }
    routes
        .route("/api/v1/payments", get(list::list).post(payments::record))
        .route("/api/v1/payments/{id}", get(payments::show))
        .route("/api/v1/payments/{id}/refund", post(payments::refund))
        .route("/api/v1/auth/user/memberships", get(memberships::mine))
        .route("/api/v1/payments/totals", get(list::totals))
        .route("/api/v1/payments/export.csv", get(export::api_csv))
        .route("/api/v1/payments/export.xlsx", get(export::api_xlsx))
        .route("/api/v1/auth/user/payments", get(list::mine))
        .route("/api/v1/plans", get(plans::list).post(plans::create))
        .route("/api/v1/plans/{id}", get(plans::show).patch(plans::update))
        .route(
            "/api/v1/households",
            get(households::list).post(households::create),
        )
        .route("/api/v1/households/{id}", get(households::show))
        .route(
            "/api/v1/households/{id}/members/{account_id}",
            post(households::add_member).delete(households::remove_member),
        )
        .route("/api/v1/members/{id}/balance", get(balance::show))
}

/// The treasurer's downloads (session and role, like the desk's pages).
pub fn staff_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/treasury/payments/export.csv", get(export::page_csv))
        .route("/treasury/payments/export.xlsx", get(export::page_xlsx))
}
