//! `GET /sw.js`: the service worker, served from the site's root so that it
//! may control every page; and `GET /offline`, the page it shows for a page
//! it never kept. The worker's text names the build and the tenant's
//! version: a new release or a new brand replaces the installed worker and
//! its cache.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

const SOURCE: &str = include_str!("sw.js");
const PUSH_HANDLERS: &str = "js/sw-push.js";

/// `GET /sw.js`.
pub async fn script(State(themes): State<Themes>, tx: TenantTx) -> Response {
    let version = format!("{}-{}", env!("CARGO_PKG_VERSION"), tx.tenant().version);
    let locale = match tx.tenant().locale.as_str() {
        "fr" => "fr",
        _ => "en",
    };
    let mut body = SOURCE
        .replace("__VERSION__", &version)
        .replace("__LOCALE__", locale);
    // Web Push's handlers (the notifications module's file), by its
    // content-hashed address: a new version of it is a new worker.
    let env = themes.env(&tx.tenant().theme);
    if let Some(file) = env.statics.get(PUSH_HANDLERS) {
        let url = crate::themes::env::static_url(&file.hash, PUSH_HANDLERS);
        body = format!("importScripts({url:?});\n{body}");
    }
    let headers = [
        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        // Browsers check for a new worker at most daily anyway; no-cache
        // makes each check see a new release at once.
        (header::CACHE_CONTROL, "no-cache"),
    ];
    (headers, body).into_response()
}

#[derive(Serialize)]
struct OfflinePage {}

/// `GET /offline`.
pub async fn offline(
    State(themes): State<Themes>,
    view: PageView,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let html = themes
        .render(&tx, &view, "pwa/offline.html", &OfflinePage {})
        .await?;
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-cache"),
    ];
    Ok((StatusCode::OK, headers, html).into_response())
}
