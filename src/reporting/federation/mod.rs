//! Federations and their clubs' published aggregates.
//!
//! A tenant may be the federation of other tenants: operators propose the
//! link, both sides accept it ([`links`]). While it is active the
//! federation sees what its clubs publish (licences, members by plan, dues
//! owed at its rate per licence: [`clubs`]) on `/staff/federation`
//! ([`pages`]) and `/api/v1/federation` ([`api`]), and the named lists a
//! club chose to share, never anything else of their members. Every read
//! checks the link is active at that moment: a club that leaves is gone
//! from the federation's next request. The platform's tables are reached
//! through [`Federations`], never a tenant schema but the requester's own.

pub mod actions;
pub mod api;
pub mod clubs;
pub mod links;
mod pages;
mod service;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post, put};
use utoipa::OpenApi;

pub use service::Federations;

use crate::live::Live;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
    Federations: FromRef<S>,
{
    Router::new()
        .route("/staff/federation", get(pages::show).post(pages::act))
        .route("/staff/federation/clubs.csv", get(pages::csv))
        .route("/staff/federation/clubs.xlsx", get(pages::xlsx))
        .route(
            "/staff/federation/clubs/{club}/lists/{name}",
            get(pages::list),
        )
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
    Federations: FromRef<S>,
{
    Router::new()
        .route("/api/v1/federation", get(api::standing))
        .route("/api/v1/federation/clubs", get(api::clubs))
        .route("/api/v1/federation/clubs.csv", get(api::clubs_csv))
        .route("/api/v1/federation/clubs.xlsx", get(api::clubs_xlsx))
        .route(
            "/api/v1/federation/clubs/{club}/lists/{name}",
            get(api::shared_list),
        )
        .route("/api/v1/federation/links/{id}/accept", post(api::accept))
        .route("/api/v1/federation/links/{id}/leave", post(api::leave))
        .route("/api/v1/federation/dues", put(api::set_dues))
        .route("/api/v1/federation/lists", post(api::share))
        .route("/api/v1/federation/lists/{name}", delete(api::withdraw))
}

#[derive(OpenApi)]
#[openapi(
    paths(api::standing, api::clubs, api::clubs_csv, api::clubs_xlsx, api::shared_list, api::accept, api::leave,
          api::set_dues, api::share, api::withdraw),
    components(schemas(actions::Standing, clubs::Club, clubs::Dues, clubs::SharedList, links::Link,
                       links::Side, api::ShareBody, crate::contributions::published::PlanCount,
                       crate::contributions::published::LicenceHolder)),
    tags((name = "federation", description = "A federation and its clubs: the aggregates clubs \
          publish (licences, members by plan, dues owed), never their members unless a club \
          shares a named list.")),
)]
pub struct Doc;

pub fn register(_registry: &mut crate::jobs::Registry) {}
