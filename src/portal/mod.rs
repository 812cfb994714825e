//! The public portal of a tenant: its home page, and how it is cached (in
//! memory by [`crate::web::page_cache`], downstream by its HTTP headers).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use cookie::Cookie;
use serde::Serialize;

use crate::announcements::{self, Announcement};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::state::AppState;
use crate::tenancy::Tenant;
use crate::themes::{PageView, locale};
use crate::web::flash;
use crate::web::page_cache::{Page, PageKey};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Serialize)]
struct HomePage {
    announcements: Vec<Announcement>,
}

/// Anonymous pages: shared caches may keep them a minute and serve them
/// stale while they revalidate; browsers revalidate each time (cheap: 304).
const PUBLIC: &str = "public, max-age=0, s-maxage=60, stale-while-revalidate=300";
/// A language or flash cookie changes the page: only the browser may keep it.
const PRIVATE: &str = "private, no-cache";
/// A flash message is shown once; a degraded page is a stand-in.
const NO_STORE: &str = "no-store";

/// `GET /`: the tenant's name and colours (from the cached tenant row), its
/// five latest published announcements and a sign-in link. The same for
/// every anonymous visitor, so it is served from the page cache when it can.
async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    view: PageView,
) -> Result<Response, AppError> {
    let key = PageKey {
        tenant_id: view.tenant.id,
        tenant_version: view.tenant.version,
        page: "home",
        locale: view.locale,
    };
    let cache_control = HeaderValue::from_static(match cookies_change_the_page(&headers) {
        true => PRIVATE,
        false => PUBLIC,
    });
    // A flash message is for one visitor: such a page is neither served
    // from nor stored in the cache.
    let cacheable = view.flash.is_none();
    if cacheable && let Some(page) = state.pages.get(&key) {
        return Ok(page.respond(&headers, cache_control));
    }
    let ticket = state.pages.ticket(view.tenant.id);
    let (page, next_due) = read_home(&state, view.tenant.clone()).await?;
    let themes = &state.themes;
    let rendered = themes
        .render_page(&state.db, &view, "home.html", &page)
        .await?;
    if !cacheable || rendered.degraded {
        return Ok(uncached(rendered.html));
    }
    let page = Arc::new(Page::new(Bytes::from(rendered.html)));
    let valid_for = next_due.map(|due| (due - Utc::now()).to_std().unwrap_or(Duration::ZERO));
    state.pages.put(key, page.clone(), ticket, valid_for);
    Ok(page.respond(&headers, cache_control))
}

/// The page's data, and when a scheduled announcement will change it.
async fn read_home(
    state: &AppState,
    tenant: Arc<Tenant>,
) -> Result<(HomePage, Option<DateTime<Utc>>), AppError> {
    let mut tx = TenantTx::begin(&state.db, tenant).await?;
    let announcements = announcements::latest_published(&mut tx, 5).await?;
    let next_due = match state.pages.is_enabled() {
        true => announcements::next_scheduled(&mut tx).await?,
        false => None,
    };
    tx.commit().await?;
    Ok((HomePage { announcements }, next_due))
}

fn cookies_change_the_page(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse(value).filter_map(Result::ok))
        .any(|cookie| [locale::COOKIE, flash::COOKIE].contains(&cookie.name()))
}

fn uncached(html: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, NO_STORE),
        (header::VARY, "accept-encoding, cookie"),
    ];
    (headers, html).into_response()
}
