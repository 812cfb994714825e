//! `/documents/` and `/documents/folders/{id}`: a folder's folders and
//! documents, as far as the visitor may see them, with breadcrumbs. Staff
//! also get a form for a new folder here, one to rename or move this
//! folder, and a link to delete it (confirmed on its own page; only an
//! empty folder goes).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::{
    Choice, Crumb, DocumentRow, Errors, Refused, actor, folder_choices, parse_folder, reader,
    render,
};
use crate::auth::{Editor, Principal, RequestAuth, RequireRole, Role, Viewer};
use crate::db::TenantTx;
use crate::documents::folders::{self, Entry};
use crate::documents::model::Folder;
use crate::documents::{DocumentError, manage, store};
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const TEMPLATE: &str = "documents/index.html";

#[derive(Serialize, Default)]
struct FolderPage {
    /// `None` at the top.
    folder: Option<Folder>,
    /// The folders above this one, the top first.
    crumbs: Vec<Crumb>,
    folders: Vec<Entry>,
    documents: Vec<DocumentRow>,
    signed_in: bool,
    staff: bool,
    admin: bool,
    csrf_token: String,
    /// Staff's forms: a new folder here, and this folder's name and place.
    new_name: String,
    new_errors: Errors,
    edit_name: String,
    edit_parent: String,
    edit_errors: Errors,
    parents: Vec<Choice>,
}

pub fn folder_path(folder: Option<i64>) -> String {
    match folder {
        Some(id) => format!("/documents/folders/{id}"),
        None => "/documents/".to_owned(),
    }
}

async fn folder_page(
    tx: &mut TenantTx,
    principal: Option<&Principal>,
    folder: Option<Folder>,
    view: &PageView,
    auth: &RequestAuth,
) -> Result<FolderPage, AppError> {
    let reader = reader(principal);
    let id = folder.as_ref().map(|f| f.id);
    let mut crumbs = match id {
        Some(id) => folders::path(tx, id).await?,
        None => Vec::new(),
    };
    crumbs.pop();
    let documents = store::in_folder(tx, id, reader).await?;
    let mut page = FolderPage {
        crumbs: crumbs
            .into_iter()
            .map(|f| Crumb {
                id: f.id,
                name: f.name,
            })
            .collect(),
        folders: folders::children(tx, id, reader).await?,
        documents: documents
            .iter()
            .map(|d| DocumentRow::of(d, view.locale))
            .collect(),
        signed_in: principal.is_some(),
        staff: reader.is_staff(),
        admin: principal.is_some_and(|p| p.role >= Role::Admin),
        csrf_token: auth.csrf.value().to_owned(),
        ..FolderPage::default()
    };
    if let (true, Some(folder)) = (page.staff, &folder) {
        page.parents = folder_choices(&folders::all(tx).await?, Some(folder.id));
        page.edit_name = folder.name.clone();
        page.edit_parent = folder.parent_id.map(|p| p.to_string()).unwrap_or_default();
    }
    page.folder = folder;
    Ok(page)
}

/// `GET /documents/`.
pub async fn top(
    Viewer(principal): Viewer,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let page = folder_page(&mut tx, principal.as_ref(), None, &view, &auth).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

/// `GET /documents/folders/{id}`: a folder the visitor may not see is a 404.
pub async fn folder(
    Viewer(principal): Viewer,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let folder = folders::find_for(&mut tx, id, reader(principal.as_ref()))
        .await?
        .ok_or(AppError::NotFound)?;
    let page = folder_page(&mut tx, principal.as_ref(), Some(folder), &view, &auth).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

#[derive(Debug, Default, Deserialize)]
pub struct FolderForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
}

/// `POST /documents/folders/`: a new folder in `parent`.
pub async fn create(
    guard: RequireRole<Editor>,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<FolderForm>,
) -> Result<Response, AppError> {
    let (principal, by) = (&guard.0, actor(&guard.0, &auth));
    let here = parse_folder(&form.parent).ok().flatten();
    let created = async {
        let parent = parse_folder(&form.parent)?;
        manage::create_folder(&mut tx, parent, &form.name, by).await
    };
    let refused = match created.await {
        Ok(folder) => return Ok(saved("documents-flash-folder-created", Some(folder.id))),
        Err(refused) => Refused::of(refused)?,
    };
    let here = match here {
        Some(id) => folders::find(&mut tx, id).await?,
        None => None,
    };
    let mut page = folder_page(&mut tx, Some(principal), here, &view, &auth).await?;
    page.new_name = form.name;
    page.new_errors = refused.errors;
    render(&themes, &tx, &view, TEMPLATE, refused.status, &page).await
}

/// `POST /documents/folders/{id}`: renames and moves the folder.
pub async fn edit(
    guard: RequireRole<Editor>,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    Form(form): Form<FolderForm>,
) -> Result<Response, AppError> {
    let (principal, by) = (&guard.0, actor(&guard.0, &auth));
    let folder = folders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let edited = async {
        let parent = parse_folder(&form.parent)?;
        manage::edit_folder(&mut tx, id, parent, &form.name, by).await
    };
    let refused = match edited.await {
        Ok(folder) => return Ok(saved("documents-flash-folder-saved", Some(folder.id))),
        Err(refused) => Refused::of(refused)?,
    };
    let mut page = folder_page(&mut tx, Some(principal), Some(folder), &view, &auth).await?;
    page.edit_name = form.name;
    page.edit_parent = form.parent;
    page.edit_errors = refused.errors;
    render(&themes, &tx, &view, TEMPLATE, refused.status, &page).await
}

/// Back to a folder, saying what was done.
fn saved(key: &str, folder: Option<i64>) -> Response {
    let flash = Flash::new(FlashKind::Success, key);
    redirect_with(&folder_path(folder), Some(flash))
}

/// The confirmation page of a deletion (a document's or a folder's).
#[derive(Serialize)]
pub struct ConfirmPage {
    pub what: &'static str,
    pub name: String,
    pub action: String,
    pub back: String,
    pub error: Option<&'static str>,
    pub csrf_token: String,
}

/// `GET /documents/folders/{id}/delete`.
pub async fn confirm_delete(
    _: RequireRole<Editor>,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let folder = folders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = confirm_page(&folder, None, &auth);
    render(
        &themes,
        &tx,
        &view,
        "documents/delete.html",
        StatusCode::OK,
        &page,
    )
    .await
}

fn confirm_page(folder: &Folder, error: Option<&'static str>, auth: &RequestAuth) -> ConfirmPage {
    ConfirmPage {
        what: "folder",
        name: folder.name.clone(),
        action: format!("/documents/folders/{}/delete", folder.id),
        back: folder_path(Some(folder.id)),
        error,
        csrf_token: auth.csrf.value().to_owned(),
    }
}

/// `POST /documents/folders/{id}/delete`: only an empty folder goes.
pub async fn delete(
    guard: RequireRole<Editor>,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let folder = folders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    match manage::delete_folder(&mut tx, id, actor(guard.principal(), &auth)).await {
        Ok(_) => Ok(saved("documents-flash-folder-deleted", folder.parent_id)),
        Err(DocumentError::FolderNotEmpty) => {
            let page = confirm_page(&folder, Some("documents-error-folder-not-empty"), &auth);
            let status = StatusCode::CONFLICT;
            render(&themes, &tx, &view, "documents/delete.html", status, &page).await
        }
        Err(other) => Err(other.into()),
    }
}
