//! `/notifications/`: the signed-in member's list (newest first, 20 a page,
//! all or unread only), with "open" (marks read, then goes to the link),
//! "mark read" and "mark all read" as plain forms: no JavaScript needed.
//! Only the member's own rows are read or changed; another member's id is
//! a 404 like an unknown one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::store::{self, Item, Page};
use crate::accounts::pages::current_account;
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::flash::{Flash, FlashKind, redirect_with};

/// Notifications per page.
const PER_PAGE: i64 = 20;
pub const LIST: &str = "/notifications/";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    /// `1`: unread only.
    unread: Option<String>,
    /// The last id of the previous page.
    before: Option<i64>,
}

#[derive(Serialize)]
struct ListPage<'a> {
    items: Vec<Item>,
    unread: i64,
    unread_only: bool,
    /// The link to the next page, if there may be one.
    next: Option<String>,
    /// The first page (shown when on a later one).
    paged: bool,
    csrf: &'a str,
}

/// `GET /notifications/`.
pub async fn list(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(me): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    let unread_only = query.unread.as_deref() == Some("1");
    let page = Page {
        unread_only,
        before_id: query.before,
        limit: PER_PAGE,
    };
    let items = store::list(&mut tx, account, page).await?;
    let next = (items.len() as i64 == PER_PAGE)
        .then(|| items.last().map(|last| next_link(unread_only, last.id)))
        .flatten();
    let page = ListPage {
        unread: store::unread_count(&mut tx, account).await?,
        items,
        unread_only,
        next,
        paged: query.before.is_some(),
        csrf: auth.csrf.value(),
    };
    Ok(themes
        .private_page(&tx, &view, "notifications/list.html", StatusCode::OK, &page)
        .await?)
}

fn next_link(unread_only: bool, before: i64) -> String {
    match unread_only {
        true => format!("{LIST}?unread=1&before={before}"),
        false => format!("{LIST}?before={before}"),
    }
}

/// `POST /notifications/{id}/open`: marks it read and goes to its link.
pub async fn open(
    SignedIn(me): SignedIn,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    let url = store::mark_read(&mut tx, account, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Stored links are checked paths on this site (and by a CHECK).
    Ok(Redirect::to(&url).into_response())
}

/// `POST /notifications/{id}/read`.
pub async fn read(
    SignedIn(me): SignedIn,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    store::mark_read(&mut tx, account, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Redirect::to(LIST).into_response())
}

/// `POST /notifications/read-all`.
pub async fn read_all(SignedIn(me): SignedIn, mut tx: TenantTx) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &me).await?.id;
    store::mark_all_read(&mut tx, account).await?;
    Ok(redirect_with(
        LIST,
        Some(Flash::new(FlashKind::Success, "notif-flash-all-read")),
    ))
}
