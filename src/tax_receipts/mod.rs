//! Tax receipts (« reçus fiscaux », form 2041-RD, Cerfa 11580*05) for gifts
//! and qualifying dues. Off until an administrator declares the
//! association ([`declaration`]: organisation type, CGI articles, object,
//! SIREN or RNA, signatory); the low-value counterpart cap is dated
//! configuration ([`caps`]). Receipts cover one gift or a donor's year,
//! dated by the day the money was received, numbered without gap per year
//! of issue, cancelled and reissued but never deleted ([`issue`]); the
//! yearly declaration's figures come from [`store`]. What of each payment
//! qualifies is the contributions module's answer
//! ([`crate::contributions::tax_basis`]).

pub mod api;
pub mod caps;
pub mod declaration;
pub mod issue;
pub mod store;

use axum::Router;
use axum::routing::{get, post};

pub use api::Doc;

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
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
        .route("/api/v1/me/tax-receipts", get(api::mine))
}
