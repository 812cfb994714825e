//! The contributions API under `/api/v1` (merged into `api::router`'s
//! routes, behind its rate limit) and the treasurer's export downloads
//! (`staff_router`). Treasurers and admins with an access token, or API
//! keys with `contributions:read` / `contributions:write`; members read
//! only their own (`/api/v1/auth/user/payments`). Errors are problems.

pub mod export;
pub mod list;
pub mod money;

use axum::Router;
use axum::routing::get;

/// The `/api/v1` routes.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/api/v1/payments", get(list::list))
        .route("/api/v1/payments/totals", get(list::totals))
        .route("/api/v1/payments/export.csv", get(export::api_csv))
        .route("/api/v1/payments/export.xlsx", get(export::api_xlsx))
        .route("/api/v1/auth/user/payments", get(list::mine))
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
