//! `/api/v1/documents` and `/api/v1/documents/{id}`: list, upload, read,
//! change, delete, and the file itself (`…/content`).

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::views::{DocumentPage, DocumentPatch, DocumentView, ListQuery};
use super::{ApiReader, DocumentsWrite, actor};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::scoped::Allowed;
use crate::auth::{Editor, RequestAuth};
use crate::db::TenantTx;
use crate::documents::manage::{self, Edit};
use crate::documents::model::{Reader, Visibility};
use crate::documents::service::NewUpload;
use crate::documents::upload::{self, Received};
use crate::documents::{DocumentError, Documents, download, store};
use crate::error::AppError;
use crate::web::extract::Path;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[utoipa::path(operation_id = "documents_list", get, path = "/api/v1/documents", tag = "documents",
    params(ListQuery), security((), ("bearer" = []), ("api_key" = ["documents:read"])),
    responses((status = 200, body = DocumentPage), (status = 400), (status = 403)))]
/// The documents the caller may read, by id.
pub async fn list(
    ApiReader(reader): ApiReader,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<DocumentPage>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest(
            format!("limit must be between 1 and {MAX_LIMIT}").into(),
        ));
    }
    let after = query.after.unwrap_or(0);
    let found = store::page(&mut tx, reader, query.folder_id, after, limit + 1).await?;
    let more = found.len() as i64 > limit;
    let documents: Vec<DocumentView> = found
        .into_iter()
        .take(limit as usize)
        .map(Into::into)
        .collect();
    let next_after = more.then(|| documents.last().map(|d| d.id)).flatten();
    Ok(Json(DocumentPage {
        documents,
        next_after,
    }))
}

#[utoipa::path(operation_id = "documents_upload", post, path = "/api/v1/documents",
    tag = "documents",
    request_body(content = super::views::UploadBody, content_type = "multipart/form-data"),
    security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 201, body = DocumentView), (status = 400), (status = 401),
              (status = 403), (status = 413, description = "Over the association's limit"),
              (status = 415, description = "A kind of file not accepted, or a part \
                                            Content-Type that disagrees with the content"),
              (status = 422)))]
/// Uploads a file; nothing is stored when it is refused.
pub async fn upload(
    guard: Allowed<Editor, DocumentsWrite>,
    State(documents): State<Documents>,
    auth: RequestAuth,
    mut tx: TenantTx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, DocumentError> {
    let limit = documents.limit(&mut tx).await?;
    let fresh = tx.sibling();
    // The body may be slow to come: no connection is held meanwhile.
    tx.commit().await?;
    let mut multipart = multipart.map_err(|_| DocumentError::BadForm)?;
    let mut received = Received::default();
    upload::read(&mut multipart, limit, &mut received).await?;
    let (name, upload) = upload_of(&received)?;
    let file = received.file.ok_or(DocumentError::NoFile)?;
    let prepared = documents.prepare(file).await?;
    let upload = NewUpload {
        name: &name,
        ..upload
    };
    let by = actor(guard.principal(), &auth);
    let document = documents.add(fresh, &upload, prepared, by).await?;
    Ok((StatusCode::CREATED, Json(DocumentView::from(document))).into_response())
}

/// The form's fields: the name, and where and for whom the file goes.
fn upload_of(received: &Received) -> Result<(String, NewUpload<'static>), DocumentError> {
    let folder_id = match received.field("folder_id").trim() {
        "" => None,
        id => Some(id.parse().map_err(|_| DocumentError::NoSuchFolder)?),
    };
    let visibility = match received.field("visibility").trim() {
        "" => Visibility::Members,
        given => Visibility::parse(given).ok_or(DocumentError::Visibility)?,
    };
    let upload = NewUpload {
        name: "",
        folder_id,
        visibility,
    };
    Ok((received.field("name").to_owned(), upload))
}

#[utoipa::path(operation_id = "documents_show", get, path = "/api/v1/documents/{id}",
    tag = "documents", params(("id" = i64, Path)),
    security((), ("bearer" = []), ("api_key" = ["documents:read"])),
    responses((status = 200, body = DocumentView), (status = 403),
              (status = 404, description = "No such document, or not one the caller may read")))]
pub async fn show(
    ApiReader(reader): ApiReader,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<DocumentView>, AppError> {
    let document = store::find(&mut tx, id, reader)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(document.into()))
}

#[utoipa::path(operation_id = "documents_content", get, path = "/api/v1/documents/{id}/content",
    tag = "documents", params(("id" = i64, Path)),
    security((), ("bearer" = []), ("api_key" = ["documents:read"])),
    responses((status = 200, description = "The file, streamed (a local store)"),
              (status = 303, description = "A short-lived presigned URL of the file (S3)"),
              (status = 403), (status = 404)))]
/// The file: streamed, or a redirect to a presigned URL where the store
/// makes them. Only issued once the caller may read the document.
pub async fn content(
    ApiReader(reader): ApiReader,
    State(documents): State<Documents>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let document = store::find(&mut tx, id, reader)
        .await?
        .ok_or(AppError::NotFound)?;
    let tenant = tx.tenant().id;
    tx.commit().await?;
    download::send(&documents, tenant, &document, true).await
}

#[utoipa::path(operation_id = "documents_update", patch, path = "/api/v1/documents/{id}",
    tag = "documents", params(("id" = i64, Path)), request_body = DocumentPatch,
    security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 200, body = DocumentView), (status = 400), (status = 401),
              (status = 403), (status = 404), (status = 422)))]
/// Renames, moves, or changes who may read a document.
pub async fn update(
    guard: Allowed<Editor, DocumentsWrite>,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(patch): ApiJson<DocumentPatch>,
) -> Result<Json<DocumentView>, DocumentError> {
    let current = store::find(&mut tx, id, Reader::Staff)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let name = patch.name.unwrap_or(current.name);
    let edit = Edit {
        name: &name,
        folder_id: patch.folder_id.unwrap_or(current.folder_id),
        visibility: patch.visibility.unwrap_or(current.visibility),
    };
    let by = actor(guard.principal(), &auth);
    let document = manage::edit_document(&mut tx, id, &edit, by).await?;
    Ok(Json(document.into()))
}

#[utoipa::path(operation_id = "documents_delete", delete, path = "/api/v1/documents/{id}",
    tag = "documents", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
/// Deletes a document and its file.
pub async fn delete(
    guard: Allowed<Editor, DocumentsWrite>,
    State(documents): State<Documents>,
    auth: RequestAuth,
    tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, DocumentError> {
    let by = actor(guard.principal(), &auth);
    documents.remove(tx, id, by).await?;
    Ok(StatusCode::NO_CONTENT)
}
