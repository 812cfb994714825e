//! The staff's pages under `/staff/projects` (editors, treasurers,
//! admins): the list by status with each gauge, one form to write a
//! project (preview, keep), and on a project's page its figures, the
//! buttons that move it (open, close, archive, back to draft, lock the
//! comments, delete) and its updates. Every form carries the CSRF token
//! and writes nothing unless it is whole and valid.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::actions::{self, Action, Actor};
use super::editor_form::{Errors, Intent, Values};
use super::error::Error;
use super::model::{Project, Status, Visibility};
use super::view::{PageCard, UpdateView};
use super::{read, store, updates, write};
use crate::announcements::markdown;
use crate::announcements::pages::image_policy;
use crate::announcements::view::Pager;
use crate::auth::{Editor, RequestAuth, RequireRole};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const PER_PAGE: i64 = 25;
const LIST: &str = "staff/projects.html";
pub(super) const FORM: &str = "staff/project_form.html";

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct ListPage {
    rows: Vec<PageCard>,
    status: Option<&'static str>,
    statuses: Vec<&'static str>,
    pager: Pager,
}

/// `GET /staff/projects?status=…`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    Query(query): Query<ListQuery>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let status = query.status.as_deref().and_then(Status::parse);
    let page = query.page.unwrap_or(1).max(1);
    // One more than a page says whether there is a next one.
    let offset = (page - 1) * PER_PAGE;
    let mut found = store::all(&mut tx, status, offset, PER_PAGE + 1).await?;
    let more = found.len() as i64 > PER_PAGE;
    found.truncate(PER_PAGE as usize);
    let figures = read::figures(&mut tx, &found).await?;
    let rows = found
        .iter()
        .zip(figures)
        .map(|(p, (raised, count))| PageCard::of(p, raised, count, view.locale))
        .collect();
    let pages = page + i64::from(more);
    let data = ListPage {
        rows,
        status: status.map(Status::as_str),
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        pager: Pager::new(pages * PER_PAGE, PER_PAGE, page),
    };
    private(&themes, &tx, &view, LIST, StatusCode::OK, &data).await
}

/// What staff typed in the update form, shown back with its errors.
#[derive(Debug, Default, Serialize)]
pub(super) struct UpdateTyped {
    pub title: String,
    pub body: String,
    pub errors: Errors,
}

#[derive(Serialize)]
pub(super) struct FormPage {
    /// `None` for a new project.
    id: Option<i64>,
    project: Option<PageCard>,
    comments_locked: bool,
    values: Values,
    errors: Errors,
    /// The rendered description, after "Preview".
    preview: Option<String>,
    visibilities: Vec<&'static str>,
    currency: String,
    /// The buttons that move it, by its status.
    actions: Vec<&'static str>,
    updates: Vec<UpdateView>,
    update: UpdateTyped,
    csrf_token: String,
}

/// `GET /staff/projects/new`.
pub async fn new_form(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let shown = Shown::new(Values::blank());
    let data = form_page(&mut tx, &view, &auth, None, shown).await?;
    private(&themes, &tx, &view, FORM, StatusCode::OK, &data).await
}

/// `GET /staff/projects/{id}`.
pub async fn edit_form(
    State(themes): State<Themes>,
    _: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let project = find(&mut tx, id).await?;
    let shown = Shown::new(Values::of(&project));
    let data = form_page(&mut tx, &view, &auth, Some(&project), shown).await?;
    private(&themes, &tx, &view, FORM, StatusCode::OK, &data).await
}

/// `POST /staff/projects/new`.
pub async fn create(
    themes: State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(themes, guard, view, auth, tx, None, fields).await
}

/// `POST /staff/projects/{id}`.
pub async fn update(
    themes: State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    submit(themes, guard, view, auth, tx, Some(id), fields).await
}

/// Both forms: preview, or keep once valid.
async fn submit(
    State(themes): State<Themes>,
    guard: RequireRole<Editor>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    id: Option<i64>,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let existing = match id {
        Some(id) => Some(find(&mut tx, id).await?),
        None => None,
    };
    let (values, intent) = Values::from_fields(&fields);
    let errors = match keep(&mut tx, id, &values, intent, actor(&guard, &auth)).await? {
        Ok(id) => {
            return Ok(done(
                &format!("/staff/projects/{id}"),
                "projects-flash-saved",
            ));
        }
        Err(errors) => errors,
    };
    let status = match errors.is_empty() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let preview = match intent {
        Intent::Preview => Some(markdown::render(
            &values.description,
            image_policy(&mut tx).await?,
        )),
        Intent::Save => None,
    };
    let shown = Shown {
        values,
        errors,
        preview,
        update: UpdateTyped::default(),
    };
    let data = form_page(&mut tx, &view, &auth, existing.as_ref(), shown).await?;
    private(&themes, &tx, &view, FORM, status, &data).await
}

/// Keeps the form once valid (its id), or gives the errors to show (none
/// after "Preview", which keeps nothing).
async fn keep(
    tx: &mut TenantTx,
    id: Option<i64>,
    values: &Values,
    intent: Intent,
    actor: Actor,
) -> Result<Result<i64, Errors>, AppError> {
    let currency = settings::get(tx).await?.currency;
    let draft = match (values.draft(currency), intent) {
        (Err(errors), _) => return Ok(Err(errors)),
        (Ok(_), Intent::Preview) => return Ok(Err(Errors::new())),
        (Ok(draft), Intent::Save) => draft,
    };
    let written = match id {
        Some(id) => write::update(tx, id, &draft, actor).await.map(|()| id),
        None => write::create(tx, &draft, actor).await,
    };
    match written {
        Ok(id) => Ok(Ok(id)),
        Err(error) => Ok(Err(invalid(error)?)),
    }
}

/// A refusal of the store as the form's errors; anything else goes on.
fn invalid(error: Error) -> Result<Errors, AppError> {
    match error {
        Error::Invalid(invalid) => Ok(invalid.iter().map(|i| (i.field, i.key)).collect()),
        other => Err(other.into()),
    }
}

/// `POST /staff/projects/{id}/{action}`: open, close, archive, lock…
pub async fn act(
    guard: RequireRole<Editor>,
    auth: RequestAuth,
    Path((id, action)): Path<(i64, String)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let action = Action::parse(&action).ok_or(AppError::NotFound)?;
    find(&mut tx, id).await?;
    let back = format!("/staff/projects/{id}");
    match actions::apply(&mut tx, id, action, actor(&guard, &auth)).await {
        Ok(_) if action == Action::Delete => Ok(done("/staff/projects", "projects-flash-deleted")),
        Ok(_) => Ok(done(&back, "projects-flash-saved")),
        Err(Error::Refused(refusal)) => Ok(redirect_with(
            &back,
            Some(Flash::new(FlashKind::Error, refusal.key())),
        )),
        Err(error) => Err(error.into()),
    }
}

/// What the form shows besides the project itself.
pub(super) struct Shown {
    pub values: Values,
    pub errors: Errors,
    pub preview: Option<String>,
    pub update: UpdateTyped,
}

impl Shown {
    pub fn new(values: Values) -> Self {
        Self {
            values,
            errors: Errors::new(),
            preview: None,
            update: UpdateTyped::default(),
        }
    }
}

pub(super) async fn form_page(
    tx: &mut TenantTx,
    view: &PageView,
    auth: &RequestAuth,
    existing: Option<&Project>,
    shown: Shown,
) -> Result<FormPage, AppError> {
    let currency = settings::get(tx).await?.currency;
    let (card, updates) = match existing {
        Some(project) => {
            let (raised, count) = read::figures_of(tx, project).await?;
            let images = image_policy(tx).await?;
            let listed = updates::list(tx, project.id).await?;
            let views = listed.into_iter().map(|u| UpdateView::of(u, images));
            let card = PageCard::of(project, raised, count, view.locale);
            (Some(card), views.collect())
        }
        None => (None, Vec::new()),
    };
    Ok(FormPage {
        id: existing.map(|p| p.id),
        project: card,
        comments_locked: existing.is_some_and(|p| p.comments_locked),
        values: shown.values,
        errors: shown.errors,
        preview: shown.preview,
        visibilities: Visibility::ALL.iter().map(|v| v.as_str()).collect(),
        currency: currency.code().to_owned(),
        actions: existing.map(buttons).unwrap_or_default(),
        updates,
        update: shown.update,
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// Where `project` may go from its status (deleting is offered apart).
fn buttons(project: &Project) -> Vec<&'static str> {
    let mut moves: Vec<&'static str> = match project.status {
        Status::Draft => vec!["open", "archived"],
        Status::Open => vec!["closed", "archived", "draft"],
        Status::Closed => vec!["open", "archived"],
        Status::Archived => vec!["open", "closed"],
    };
    moves.push(match project.comments_locked {
        true => "unlock",
        false => "lock",
    });
    moves
}

pub(super) async fn find(tx: &mut TenantTx, id: i64) -> Result<Project, AppError> {
    store::find(tx, id).await?.ok_or(AppError::NotFound)
}

pub(super) fn actor(guard: &RequireRole<Editor>, auth: &RequestAuth) -> Actor {
    Actor {
        account_id: guard.principal().account_id,
        ip: auth.client_ip,
    }
}

pub(super) fn done(to: &str, key: &str) -> Response {
    redirect_with(to, Some(Flash::new(FlashKind::Success, key)))
}

pub(super) async fn private<T: Serialize>(
    themes: &Themes,
    tx: &TenantTx,
    view: &PageView,
    template: &str,
    status: StatusCode,
    page: &T,
) -> Result<Response, AppError> {
    Ok(themes
        .private_page(tx, view, template, status, page)
        .await?)
}
