//! `/documents/{id}`: one document, to open or download; staff also
//! rename it, move it, change who may read it, and delete it (confirmed
//! on `/documents/{id}/delete`). A document the visitor may not read is a
//! 404, on every route, like one that does not exist.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::browse::{ConfirmPage, folder_path};
use super::{
    Choice, Crumb, DocumentRow, Errors, Refused, actor, folder_choices, parse_folder,
    parse_visibility, reader, render, visibility_choices,
};
use crate::auth::{Editor, Principal, RequestAuth, RequireRole, Viewer};
use crate::db::TenantTx;
use crate::documents::manage::{self, Edit};
use crate::documents::model::Document;
use crate::documents::{Documents, download, folders, store};
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const TEMPLATE: &str = "documents/document.html";

#[derive(Serialize, Default)]
struct DocumentPage {
    document: Option<DocumentRow>,
    /// The folders above the document, the top first.
    crumbs: Vec<Crumb>,
    staff: bool,
    csrf_token: String,
    values: Values,
    errors: Errors,
    folders: Vec<Choice>,
    visibilities: Vec<&'static str>,
}

/// The staff form's fields, as stored or as typed.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Values {
    #[serde(default)]
    name: String,
    #[serde(default)]
    folder: String,
    #[serde(default)]
    visibility: String,
}

impl Values {
    fn of(document: &Document) -> Self {
        Self {
            name: document.name.clone(),
            folder: document
                .folder_id
                .map(|f| f.to_string())
                .unwrap_or_default(),
            visibility: document.visibility.as_str().to_owned(),
        }
    }
}

async fn document_page(
    tx: &mut TenantTx,
    principal: Option<&Principal>,
    document: &Document,
    view: &PageView,
    auth: &RequestAuth,
) -> Result<DocumentPage, AppError> {
    let crumbs = match document.folder_id {
        Some(folder) => folders::path(tx, folder).await?,
        None => Vec::new(),
    };
    let staff = reader(principal).is_staff();
    let mut page = DocumentPage {
        document: Some(DocumentRow::of(document, view.locale)),
        crumbs: crumbs
            .into_iter()
            .map(|f| Crumb {
                id: f.id,
                name: f.name,
            })
            .collect(),
        staff,
        csrf_token: auth.csrf.value().to_owned(),
        ..DocumentPage::default()
    };
    if staff {
        page.values = Values::of(document);
        page.folders = folder_choices(&folders::all(tx).await?, None);
        page.visibilities = visibility_choices();
    }
    Ok(page)
}

async fn readable(
    tx: &mut TenantTx,
    principal: Option<&Principal>,
    id: i64,
) -> Result<Document, AppError> {
    store::find(tx, id, reader(principal))
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /documents/{id}`.
pub async fn show(
    Viewer(principal): Viewer,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let document = readable(&mut tx, principal.as_ref(), id).await?;
    let page = document_page(&mut tx, principal.as_ref(), &document, &view, &auth).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &page).await
}

#[derive(Debug, Default, Deserialize)]
pub struct FileQuery {
    /// Saved rather than opened.
    #[serde(default)]
    download: Option<String>,
}

/// `GET /documents/{id}/file`: the file, or a redirect to it.
pub async fn file(
    Viewer(principal): Viewer,
    State(documents): State<Documents>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    Query(query): Query<FileQuery>,
) -> Result<Response, AppError> {
    let document = readable(&mut tx, principal.as_ref(), id).await?;
    let tenant = tx.tenant().id;
    // Nothing else to read: the connection goes back before the transfer.
    tx.commit().await?;
    download::send(&documents, tenant, &document, query.download.is_some()).await
}

/// `POST /documents/{id}`: the new name, folder and visibility.
pub async fn edit(
    guard: RequireRole<Editor>,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    Form(values): Form<Values>,
) -> Result<Response, AppError> {
    let (principal, by) = (&guard.0, actor(&guard.0, &auth));
    let document = readable(&mut tx, Some(principal), id).await?;
    let edited = async {
        let edit = Edit {
            name: &values.name,
            folder_id: parse_folder(&values.folder)?,
            visibility: parse_visibility(&values.visibility)?,
        };
        manage::edit_document(&mut tx, id, &edit, by).await
    };
    let refused = match edited.await {
        Ok(_) => {
            let flash = Flash::new(FlashKind::Success, "documents-flash-saved");
            return Ok(redirect_with(&format!("/documents/{id}"), Some(flash)));
        }
        Err(refused) => Refused::of(refused)?,
    };
    let mut page = document_page(&mut tx, Some(principal), &document, &view, &auth).await?;
    page.values = values;
    page.errors = refused.errors;
    render(&themes, &tx, &view, TEMPLATE, refused.status, &page).await
}

/// `GET /documents/{id}/delete`: "delete this document?".
pub async fn confirm_delete(
    guard: RequireRole<Editor>,
    State(themes): State<Themes>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let document = readable(&mut tx, Some(guard.principal()), id).await?;
    let page = ConfirmPage {
        what: "document",
        name: document.name.clone(),
        action: format!("/documents/{id}/delete"),
        back: format!("/documents/{id}"),
        error: None,
        csrf_token: auth.csrf.value().to_owned(),
    };
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

/// `POST /documents/{id}/delete`: back to its folder.
pub async fn delete(
    guard: RequireRole<Editor>,
    State(documents): State<Documents>,
    auth: RequestAuth,
    tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let by = actor(guard.principal(), &auth);
    let document = documents.remove(tx, id, by).await?;
    let flash = Flash::new(FlashKind::Success, "documents-flash-deleted");
    Ok(redirect_with(&folder_path(document.folder_id), Some(flash)))
}
