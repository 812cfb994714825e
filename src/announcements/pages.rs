//! The readers' side: the list (`/announcements?page=N`), one
//! announcement's page and its image. What a reader sees depends on who
//! they are ([`Reach`]); an announcement they may not read is a 404, the
//! same as one that does not exist, so its existence does not leak.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::markdown::Images;
use super::model::Reach;
use super::view::{Card, Full, Pager};
use super::{settings, store};
use crate::auth::Viewer;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::storage::Storage;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};

/// Announcements on a page of the list.
pub const PER_PAGE: i64 = 10;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Serialize)]
struct ListPage {
    announcements: Vec<Card>,
    pager: Pager,
    feed_url: &'static str,
}

/// `GET /announcements`.
pub async fn list(
    State(themes): State<Themes>,
    Viewer(viewer): Viewer,
    view: PageView,
    Query(query): Query<PageQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let reach = Reach::of(viewer.map(|p| p.role));
    let total = store::visible_count(&mut tx, reach).await?;
    let pager = Pager::new(total, PER_PAGE, query.page.unwrap_or(1));
    let shown = store::visible(&mut tx, reach, pager.offset(PER_PAGE), PER_PAGE).await?;
    let page = ListPage {
        announcements: shown.iter().map(Card::of).collect(),
        pager,
        feed_url: "/announcements.atom",
    };
    respond(&themes, &tx, &view, reach, "announcements/list.html", &page).await
}

#[derive(Serialize)]
struct ShowPage {
    announcement: Full,
}

/// `GET /announcements/{id}`.
pub async fn show(
    State(themes): State<Themes>,
    Viewer(viewer): Viewer,
    view: PageView,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let reach = Reach::of(viewer.map(|p| p.role));
    let found = store::find_visible(&mut tx, id, reach).await?;
    let announcement = found.ok_or(AppError::NotFound)?;
    let images = image_policy(&mut tx).await?;
    let page = ShowPage {
        announcement: Full::of(&announcement, images),
    };
    respond(&themes, &tx, &view, reach, "announcements/show.html", &page).await
}

/// `GET /announcements/{id}/image`: the image, to whoever may read the
/// announcement. Its address carries a version, so it may be kept long.
pub async fn image(
    State(storage): State<Storage>,
    Viewer(viewer): Viewer,
    view: PageView,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let reach = Reach::of(viewer.map(|p| p.role));
    let found = store::find_visible(&mut tx, id, reach).await?;
    let key = found.and_then(|a| a.image_key).ok_or(AppError::NotFound)?;
    let bytes = storage
        .get(view.tenant.id, &key)
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))?
        .ok_or(AppError::NotFound)?;
    let cache = match reach {
        Reach::Anonymous => "public, max-age=31536000, immutable",
        _ => "private, max-age=31536000, immutable",
    };
    let headers = [
        (header::CONTENT_TYPE, content_type(&key)),
        (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, bytes).into_response())
}

/// Images are kept under a name with their format's extension.
fn content_type(key: &str) -> HeaderValue {
    let mime = mime_guess::from_path(key).first_or_octet_stream();
    HeaderValue::from_str(mime.essence_str())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"))
}

/// Whether the tenant lets Markdown show images from other sites.
pub async fn image_policy(tx: &mut TenantTx) -> Result<Images, AppError> {
    Ok(match settings::get(tx).await?.allow_external_images {
        true => Images::AnyHttps,
        false => Images::OwnSiteOnly,
    })
}

/// An anonymous reader's page may be kept by shared caches for a minute; a
/// signed-in reader's is theirs alone.
async fn respond<T: Serialize>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    reach: Reach,
    template: &str,
    page: &T,
) -> Result<Response, AppError> {
    let rendered = themes.render_page(tx, view, template, page).await?;
    let cache = match (reach, rendered.degraded || view.flash.is_some()) {
        (Reach::Anonymous, false) => "public, max-age=0, s-maxage=60",
        _ => "private, no-store",
    };
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, cache),
        (header::VARY, "accept-encoding, cookie"),
    ];
    Ok((StatusCode::OK, headers, rendered.html).into_response())
}
