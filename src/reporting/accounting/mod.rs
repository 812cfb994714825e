//! The accounting journal of the money collected: payments and refunds as
//! balanced entries on the association's chart of accounts ([`chart`],
//! [`entries`]), exported as the French FEC ([`fec`]) and as a CSV or XLSX
//! journal ([`journal`]). Pages for the treasurer ([`pages`]) and the API
//! ([`api`]).

pub mod api;
pub mod chart;
pub mod entries;
pub mod export;
pub mod fec;
pub mod journal;
pub mod pages;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

pub use api::Doc;

use crate::live::Live;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/dashboard/accounting", get(pages::show).post(pages::save))
        .route("/dashboard/accounting/export", get(pages::export))
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route(
            "/api/v1/accounting/chart",
            get(api::chart).put(api::save_chart),
        )
        .route("/api/v1/accounting/export", get(api::export))
}
