//! Parameterised reports: the membership register, the payments
//! journal, arrears, renewals due, receipts issued and referral
//! commissions, over a period with filters, with their totals; as a page,
//! and as JSON, CSV, XLSX and PDF (`tabular` writes them, streamed).

pub mod api;
pub mod catalogue;
pub mod deliver;
pub mod pages;
pub mod params;
mod produce;
pub mod run;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

pub use api::Doc;
pub use catalogue::ReportKind;

use crate::live::Live;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/dashboard/reports/", get(pages::catalogue))
        .route("/dashboard/reports/{report}", get(pages::report))
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/api/v1/reports", get(api::list))
        .route("/api/v1/reports/{report}", get(api::show))
}

pub fn register(_registry: &mut crate::jobs::Registry) {}
