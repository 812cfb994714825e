//! `/api/v1/documents/folders` (the tree, as far as the caller may see
//! it; staff make, rename, move and delete empty folders) and
//! `/api/v1/documents/settings` (the upload limit, for administrators).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::views::{FolderBody, FolderView, SettingsPatch, SettingsView};
use super::{ApiReader, DocumentsWrite, actor};
use crate::api::json::ApiJson;
use crate::auth::scoped::Allowed;
use crate::auth::{Admin, Editor, RequestAuth};
use crate::db::TenantTx;
use crate::documents::{DocumentError, Documents, folders, manage, store};
use crate::error::AppError;
use crate::web::extract::Path;

const MIB: u64 = 1024 * 1024;

#[utoipa::path(operation_id = "document_folders_list", get, path = "/api/v1/documents/folders",
    tag = "documents", security((), ("bearer" = []), ("api_key" = ["documents:read"])),
    responses((status = 200, body = Vec<FolderView>), (status = 403)))]
/// Every folder the caller may see (staff: all; others: those holding a
/// document they may read), by id.
pub async fn list(
    ApiReader(reader): ApiReader,
    mut tx: TenantTx,
) -> Result<Json<Vec<FolderView>>, AppError> {
    let found = folders::readable(&mut tx, reader).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "document_folders_create", post,
    path = "/api/v1/documents/folders", tag = "documents", request_body = FolderBody,
    security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 201, body = FolderView), (status = 401), (status = 403),
              (status = 409, description = "A folder of that name is already there"),
              (status = 422)))]
pub async fn create(
    guard: Allowed<Editor, DocumentsWrite>,
    auth: RequestAuth,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<FolderBody>,
) -> Result<(StatusCode, Json<FolderView>), DocumentError> {
    let name = body.name.unwrap_or_default();
    let parent = body.parent_id.flatten();
    let by = actor(guard.principal(), &auth);
    let folder = manage::create_folder(&mut tx, parent, &name, by).await?;
    Ok((StatusCode::CREATED, Json(folder.into())))
}

#[utoipa::path(operation_id = "document_folders_update", patch,
    path = "/api/v1/documents/folders/{id}", tag = "documents", params(("id" = i64, Path)),
    request_body = FolderBody, security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 200, body = FolderView), (status = 401), (status = 403), (status = 404),
              (status = 409), (status = 422, description = "Among others: a folder moved \
                                                            into itself")))]
pub async fn update(
    guard: Allowed<Editor, DocumentsWrite>,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<FolderBody>,
) -> Result<Json<FolderView>, DocumentError> {
    let current = folders::find(&mut tx, id)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let name = body.name.unwrap_or(current.name);
    let parent = body.parent_id.unwrap_or(current.parent_id);
    let by = actor(guard.principal(), &auth);
    let folder = manage::edit_folder(&mut tx, id, parent, &name, by).await?;
    Ok(Json(folder.into()))
}

#[utoipa::path(operation_id = "document_folders_delete", delete,
    path = "/api/v1/documents/folders/{id}", tag = "documents", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "The folder is not empty")))]
pub async fn delete(
    guard: Allowed<Editor, DocumentsWrite>,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, DocumentError> {
    let by = actor(guard.principal(), &auth);
    manage::delete_folder(&mut tx, id, by).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "documents_settings", get, path = "/api/v1/documents/settings",
    tag = "documents", security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 200, body = SettingsView), (status = 401), (status = 403)))]
/// The upload limit (administrators).
pub async fn settings(
    _: Allowed<Admin, DocumentsWrite>,
    State(documents): State<Documents>,
    mut tx: TenantTx,
) -> Result<Json<SettingsView>, AppError> {
    Ok(Json(settings_view(&documents, &mut tx).await?))
}

async fn settings_view(
    documents: &Documents,
    tx: &mut TenantTx,
) -> Result<SettingsView, sqlx::Error> {
    let own = store::upload_limit(tx).await?;
    Ok(SettingsView {
        max_upload_bytes: documents.limit(tx).await?,
        max_upload_mb: own.map(|bytes| bytes.max(0) as u64 / MIB),
        platform_default_bytes: documents.config().max_upload_bytes,
        platform_ceiling_bytes: documents.config().max_upload_bytes_ceiling,
    })
}

#[utoipa::path(operation_id = "documents_settings_update", patch,
    path = "/api/v1/documents/settings", tag = "documents", request_body = SettingsPatch,
    security(("bearer" = []), ("api_key" = ["documents:write"])),
    responses((status = 200, body = SettingsView), (status = 401), (status = 403),
              (status = 422)))]
pub async fn update_settings(
    guard: Allowed<Admin, DocumentsWrite>,
    State(documents): State<Documents>,
    auth: RequestAuth,
    mut tx: TenantTx,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> Result<Json<SettingsView>, DocumentError> {
    let by = actor(guard.principal(), &auth);
    manage::set_limit(&documents, &mut tx, patch.max_upload_mb, by).await?;
    Ok(Json(settings_view(&documents, &mut tx).await?))
}
