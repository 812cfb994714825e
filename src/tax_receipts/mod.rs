//! Tax receipts (« reçus fiscaux », form 2041-RD, Cerfa 11580*05) for gifts
//! and qualifying dues. Off until an administrator declares the
//! association ([`declaration`]: organisation type, CGI articles, object,
//! SIREN or RNA, signatory); the low-value counterpart cap is dated
//! configuration ([`caps`]). Receipts cover one gift or a donor's year,
//! dated by the day the money was received, numbered without gap per year
//! of issue, cancelled and reissued but never deleted ([`issue`]); the
//! yearly declaration's figures come from [`store`]. Each receipt's PDF
//! carries every mention of form 2041-RD ([`pdf`]); it is rendered once,
//! stored unchanged and mailed to the donor by the job queue ([`render`]).
//! Pages for treasurers and donors: [`pages`]. What of each payment
//! qualifies is the contributions module's answer
//! ([`crate::contributions::tax_basis`]).

pub mod api;
pub mod caps;
pub mod declaration;
pub mod issue;
mod pages;
pub mod pdf;
pub mod render;
pub mod store;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

pub use api::Doc;

use crate::storage::Storage;
use crate::themes::Themes;

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Storage: FromRef<S>,
{
    Router::new()
        .route(
            "/api/v1/tax-receipts/declaration",
            get(api::show_declaration).put(api::save_declaration),
        )
        .route(
            "/api/v1/tax-receipts/caps",
            get(api::list_caps).post(api::set_cap),
        )
        .route("/api/v1/tax-receipts/declared", get(api::declared))
        .route("/api/v1/tax-receipts", get(api::list).post(api::issue))
        .route("/api/v1/tax-receipts/{id}/cancel", post(api::cancel))
        .route("/api/v1/tax-receipts/{id}/pdf", get(api::pdf))
        .route("/api/v1/me/tax-receipts", get(api::mine))
        .route("/api/v1/me/tax-receipts/{id}/pdf", get(api::my_pdf))
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Storage: FromRef<S>,
{
    Router::new()
        .route(
            "/treasury/tax-receipts",
            get(pages::treasury).post(pages::issue_year),
        )
        .route(
            "/treasury/tax-receipts/declaration",
            post(pages::save_declaration),
        )
        .route("/treasury/tax-receipts/{id}/cancel", post(pages::cancel))
        .route("/treasury/tax-receipts/{id}/pdf", get(pages::staff_pdf))
        .route("/membership/tax-receipts", get(pages::mine))
        .route("/membership/tax-receipts/{id}/pdf", get(pages::my_pdf))
}
