//! Platform reports for operators, from per-tenant published aggregates.

use axum::Router;
use axum::extract::FromRef;
use utoipa::OpenApi;

use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
}

#[derive(OpenApi)]
#[openapi()]
pub struct Doc;

pub fn register(_registry: &mut crate::jobs::Registry) {}
