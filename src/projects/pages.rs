//! The readers' side: the list (`/projects?page=N`: cards with their
//! gauge) and a project's page (`/projects/{slug}`, or its id): the
//! description, the gauge, how to give, updates, comments and the
//! volunteers' button. What a reader sees depends on who they are
//! ([`Reach`]); a project they may not read is a 404 (`read::visible`).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::comments::{self, Comment};
use super::editor_form::Errors;
use super::model::{Project, Status, Visibility};
use super::read::{self, Key};
use super::view::{PageCard, UpdateView};
use super::{store, updates, volunteers};
use crate::announcements::Reach;
use crate::announcements::pages::image_policy;
use crate::announcements::view::Pager;
use crate::auth::{Principal, RequestAuth, Viewer};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};

/// Projects on a page of the list.
pub const PER_PAGE: i64 = 12;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Serialize)]
struct ListPage {
    projects: Vec<PageCard>,
    pager: Pager,
}

/// `GET /projects`.
pub async fn list(
    State(themes): State<Themes>,
    Viewer(viewer): Viewer,
    view: PageView,
    Query(query): Query<PageQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let reach = Reach::of(viewer.map(|p| p.role));
    let open = Visibility::open_to(reach);
    let total = store::listed_count(&mut tx, &open).await?;
    let pager = Pager::new(total, PER_PAGE, query.page.unwrap_or(1));
    let found = store::listed(&mut tx, &open, pager.offset(PER_PAGE), PER_PAGE).await?;
    let figures = read::figures(&mut tx, &found).await?;
    let projects = found
        .iter()
        .zip(figures)
        .map(|(p, (raised, count))| PageCard::of(p, raised, count, view.locale))
        .collect();
    let page = ListPage { projects, pager };
    let template = "projects/list.html";
    respond(&themes, &tx, &view, reach, template, StatusCode::OK, &page).await
}

/// `GET /projects/{id}`: the slug, or the id.
pub async fn show(
    State(themes): State<Themes>,
    Viewer(viewer): Viewer,
    view: PageView,
    auth: RequestAuth,
    Path(key): Path<String>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let reach = Reach::of(viewer.as_ref().map(|p| p.role));
    let project = read::visible(&mut tx, &Key::parse(&key), reach).await?;
    let page = show_page(
        &mut tx,
        &view,
        &auth,
        viewer.as_ref(),
        &project,
        Typed::default(),
    )
    .await?;
    respond(&themes, &tx, &view, reach, SHOW, StatusCode::OK, &page).await
}

pub(super) const SHOW: &str = "projects/show.html";

/// What a member typed under the project, shown back with its errors.
#[derive(Debug, Default, Serialize)]
pub(super) struct Typed {
    pub comment: String,
    pub note: String,
    pub errors: Errors,
}

#[derive(Serialize)]
struct CommentRow {
    #[serde(flatten)]
    comment: Comment,
    /// The reader may delete it (theirs, or they are staff).
    deletable: bool,
}

/// How to give to an open project, for signed-in people: the bank details
/// members pay their dues with, and what to write on the transfer.
#[derive(Serialize)]
struct Give {
    holder: Option<String>,
    iban: Option<String>,
    bic: Option<String>,
    memo: String,
}

#[derive(Serialize)]
pub(super) struct ShowPage {
    project: PageCard,
    html: String,
    volunteer_roles: String,
    comments_locked: bool,
    takes_comments: bool,
    takes_volunteers: bool,
    updates: Vec<UpdateView>,
    comments: Vec<CommentRow>,
    signed_in: bool,
    staff: bool,
    signed_up: bool,
    give: Option<Give>,
    typed: Typed,
    csrf_token: String,
}

/// The page of `project` for `viewer` (who may read it).
pub(super) async fn show_page(
    tx: &mut TenantTx,
    view: &PageView,
    auth: &RequestAuth,
    viewer: Option<&Principal>,
    project: &Project,
    typed: Typed,
) -> Result<ShowPage, AppError> {
    let staff = viewer.is_some_and(|p| p.role.is_staff());
    let (raised, count) = read::figures_of(tx, project).await?;
    let images = image_policy(tx).await?;
    let updates = updates::list(tx, project.id).await?;
    let rows = comments::list(tx, project.id, staff).await?;
    let signed_up = match viewer {
        Some(p) => volunteers::is_signed_up(tx, project.id, p.account_id).await?,
        None => false,
    };
    let give = match (viewer, project.status) {
        (Some(_), Status::Open) => Some(give(tx, project).await?),
        _ => None,
    };
    Ok(ShowPage {
        project: PageCard::of(project, raised, count, view.locale),
        html: crate::announcements::markdown::render(&project.description, images),
        volunteer_roles: project.volunteer_roles.clone(),
        comments_locked: project.comments_locked,
        takes_comments: project.takes_comments(),
        takes_volunteers: project.takes_volunteers(),
        updates: updates
            .into_iter()
            .map(|u| UpdateView::of(u, images))
            .collect(),
        comments: rows
            .into_iter()
            .map(|comment| CommentRow {
                deletable: staff || viewer.is_some_and(|p| p.account_id == comment.author_id),
                comment,
            })
            .collect(),
        signed_in: viewer.is_some(),
        staff,
        signed_up,
        give,
        typed,
        csrf_token: auth.csrf.value().to_owned(),
    })
}

async fn give(tx: &mut TenantTx, project: &Project) -> Result<Give, sqlx::Error> {
    let bank = settings::get(tx).await?;
    Ok(Give {
        holder: bank.bank_account_holder,
        iban: bank.iban,
        bic: bank.bic,
        // What the treasurer recognises on the statement and earmarks.
        memo: project.slug.clone(),
    })
}

/// An anonymous reader's page may be kept by shared caches for a minute;
/// a signed-in reader's, a form shown again or a flash, by nobody.
pub(super) async fn respond<T: Serialize>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    reach: Reach,
    template: &str,
    status: StatusCode,
    page: &T,
) -> Result<Response, AppError> {
    let rendered = themes.render_page(tx, view, template, page).await?;
    let shared = reach == Reach::Anonymous
        && status == StatusCode::OK
        && !rendered.degraded
        && view.flash.is_none();
    let cache = match shared {
        true => "public, max-age=0, s-maxage=60",
        false => "private, no-store",
    };
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, cache),
        (header::VARY, "accept-encoding, cookie"),
    ];
    Ok((status, headers, rendered.html).into_response())
}
