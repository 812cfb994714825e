//! Each staff member's dashboard of widgets.

pub mod layout;

use axum::Router;
use axum::extract::FromRef;
use utoipa::OpenApi;

use crate::live::Live;
use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
}

pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    Live: FromRef<S>,
{
    Router::new()
}

#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

pub fn register(_registry: &mut crate::jobs::Registry) {}
