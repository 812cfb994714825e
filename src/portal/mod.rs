//! The public portal of a tenant: its home page, and how it is cached (in
//! memory by [`crate::web::page_cache`], downstream by its HTTP headers).

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRef, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use cookie::Cookie;
use serde::Serialize;

use crate::announcements::{self, Card, Reach};
use crate::auth::Viewer;
use crate::auth::cookies::SESSION_NAMES;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes, locale};
use crate::web::flash;
use crate::web::page_cache::{PageCache, PageKey};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Themes: FromRef<S>,
    PageCache: FromRef<S>,
{
    Router::new().route("/", get(home))
}

/// The data of the home page.
#[derive(Serialize)]
pub struct HomePage {
    announcements: Vec<Card>,
}

/// The home page's data, as previews show it.
pub async fn home_page(tx: &mut TenantTx) -> Result<HomePage, sqlx::Error> {
    let front = announcements::front_page(tx).await?;
    Ok(HomePage {
        announcements: front.latest,
    })
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
/// every anonymous visitor, so it is served from the page cache when it can;
/// otherwise its data costs one database round trip.
async fn home(
    State(pages): State<PageCache>,
    State(themes): State<Themes>,
    headers: HeaderMap,
    view: PageView,
    Viewer(viewer): Viewer,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    if let Some(principal) = viewer {
        let reach = Reach::of(Some(principal.role));
        let page = HomePage {
            announcements: announcements::front_page_for(&mut tx, reach).await?,
        };
        let rendered = themes.render_page(&tx, &view, "home.html", &page).await?;
        return Ok(uncached(rendered.html));
    }
    let key = PageKey {
        tenant_id: view.tenant.id,
        tenant_version: view.tenant.version,
        page: "home",
        locale: view.locale,
    };
    let cache_control = cache_control(&headers);
    // A flash message is for one visitor: such a page is neither served
    // from nor stored in the cache.
    let cacheable = view.flash.is_none() && !view.signed_in;
    if cacheable && let Some(page) = pages.get(&key) {
        return Ok(page.respond(&headers, cache_control));
    }
    let ticket = pages.ticket(view.tenant.id);
    let front = announcements::front_page(&mut tx).await?;
    let page = HomePage {
        announcements: front.latest,
    };
    let rendered = themes.render_page(&tx, &view, "home.html", &page).await?;
    if !cacheable || rendered.degraded {
        return Ok(uncached(rendered.html));
    }
    let valid_for = front
        .next_due
        .map(|due| (due - Utc::now()).to_std().unwrap_or(Duration::ZERO));
    let html = Bytes::from(rendered.html);
    let page = pages.keep(key, ticket, valid_for, html, &headers);
    Ok(page.respond(&headers, cache_control))
}

fn cache_control(headers: &HeaderMap) -> HeaderValue {
    HeaderValue::from_static(match cookies_change_the_page(headers) {
        true => PRIVATE,
        false => PUBLIC,
    })
}

/// Cookies that make a page personal: a chosen language, a flash message,
/// a session (the header then shows the person's account links).
const PERSONAL_COOKIES: [&str; 4] = [
    locale::COOKIE,
    flash::COOKIE,
    SESSION_NAMES[0],
    SESSION_NAMES[1],
];

fn cookies_change_the_page(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse(value).filter_map(Result::ok))
        .any(|cookie| PERSONAL_COOKIES.contains(&cookie.name()))
}

fn uncached(html: String) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, NO_STORE),
        (header::VARY, "accept-encoding, cookie"),
    ];
    (headers, html).into_response()
}
