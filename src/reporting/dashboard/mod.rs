//! Each staff member's dashboard of widgets: the layout they arranged (or
//! their role's default) of the catalogue in [`crate::reporting::widgets`],
//! as pages ([`pages`]: `/dashboard/`, `/dashboard/widgets/`) and as JSON
//! ([`api`]: `/api/v1/dashboard/…`). Layouts are kept by [`layout`].

use std::sync::OnceLock;

pub mod api;
pub mod layout;
mod pages;

use axum::Router;
use axum::extract::FromRef;
use axum::response::Redirect;
use axum::routing::{get, post};
use chrono::Utc;
use utoipa::OpenApi;

use crate::auth::Role;
use crate::contributions::{figures, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::live::Live;
use crate::reporting::widgets::Context;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/dashboard", get(|| async { Redirect::to("/dashboard/") }))
        .route("/dashboard/", get(pages::page))
        .route(
            "/dashboard/widgets",
            get(|| async { Redirect::to("/dashboard/widgets/") }),
        )
        .route("/dashboard/widgets/", get(pages::catalogue))
        .route("/dashboard/layout", post(pages::change))
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
        .route("/api/v1/dashboard/widgets", get(api::list))
        .route("/api/v1/dashboard/widgets/catalogue", get(api::catalogue))
        .route(
            "/api/v1/dashboard/layout",
            get(api::show).put(api::save).delete(api::reset),
        )
}

#[derive(OpenApi)]
#[openapi(
    paths(api::list, api::catalogue, api::show, api::save, api::reset),
    tags((name = "dashboard", description = "Each staff member's dashboard of widgets (editors and \
          up, or keys with reporting:read / reporting:write): the widgets of the caller's layout \
          with their figures, the catalogue their role allows (money widgets need the treasurer \
          role), and the layout itself, saved per person with a default per role.")),
)]
pub struct Doc;

pub fn register(_registry: &mut crate::jobs::Registry) {}

/// The figures' context: the season around today in the association's
/// settings, for `role` reading in `locale`.
async fn context(
    tx: &mut TenantTx,
    themes: &Themes,
    role: Role,
    locale: &'static str,
) -> Result<Context, AppError> {
    let settings = settings::get(tx).await?;
    let today = Utc::now().date_naive();
    let no_season = || AppError::Internal("no season around today".into());
    let season = figures::season_of(today, settings.season_start_month).ok_or_else(no_season)?;
    let last_start = figures::year_before(season.0).ok_or_else(no_season)?;
    let last_end = season.0.pred_opt().ok_or_else(no_season)?;
    Ok(Context {
        role,
        locale,
        today,
        currency: settings.currency,
        season,
        last: (last_start, last_end),
        env: themes.env(&tx.tenant().theme),
        money: OnceLock::new(),
    })
}
