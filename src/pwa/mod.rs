//! The portal as an app on a member's phone: the web app manifest and its
//! icons drawn from the tenant's logo (`manifest`, `icons`), the service
//! worker that keeps the member's card, membership, receipts and the
//! latest announcements readable offline, with its offline page
//! (`worker`), and the member card with a QR code that staff scan to
//! check a membership (`card`). Owns no table.

pub mod card;
pub mod icons;
mod manifest;
mod worker;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;

use crate::themes::Themes;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
{
    Router::new()
        .route("/manifest.webmanifest", get(manifest::manifest))
        .route("/pwa/{file}", get(manifest::icon))
        .route("/sw.js", get(worker::script))
        .route("/offline", get(worker::offline))
        .route("/membership/card", get(card::page))
        .route("/card/{code}", get(card::check))
}
