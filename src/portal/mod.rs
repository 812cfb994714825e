//! The public portal of a tenant: its home page.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde::Serialize;

use crate::announcements::{self, Announcement};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::state::AppState;
use crate::themes::PageView;
use crate::web::page_cache::PageKey;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Serialize)]
struct HomePage {
    announcements: Vec<Announcement>,
}

/// `GET /`: the tenant's name and colours (from the cached tenant row), its
/// five latest published announcements and a sign-in link. The same for
/// every anonymous visitor, so it is served from the page cache when it can.
async fn home(State(state): State<AppState>, view: PageView) -> Result<Response, AppError> {
    let tenant = view.tenant.clone();
    let key = PageKey {
        tenant_id: tenant.id,
        tenant_version: tenant.version,
        page: "home",
        locale: view.locale,
    };
    // A flash message is for one visitor: such a page is neither served
    // from nor stored in the cache.
    let cacheable = view.flash.is_none();
    if cacheable && let Some(html) = state.pages.get(&key) {
        return Ok(html_response(html));
    }
    let ticket = state.pages.ticket(tenant.id);
    let mut tx = TenantTx::begin(&state.db, tenant).await?;
    let announcements = announcements::latest_published(&mut tx, 5).await?;
    let next_due = match state.pages.is_enabled() {
        true => announcements::next_scheduled(&mut tx).await?,
        false => None,
    };
    tx.commit().await?;
    let page = HomePage { announcements };
    let html = Bytes::from(
        state
            .themes
            .render(&state.db, &view, "home.html", &page)
            .await?,
    );
    if cacheable {
        let valid_for = next_due.map(|due| (due - Utc::now()).to_std().unwrap_or(Duration::ZERO));
        state.pages.put(key, html.clone(), ticket, valid_for);
    }
    Ok(html_response(html))
}

fn html_response(html: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
