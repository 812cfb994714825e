//! `/api/v1/direct-debit/{collections,batches,returns}` for treasurers (or
//! keys with `contributions:read` / `contributions:write`): the debits,
//! planning them now, the bank files (prepared, listed, downloaded) and
//! the bank's reports imported. `/api/v1/me/debits`: a member's own.

use axum::Json;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::collections::{
    self, BatchSummary, Collection, CollectionStatus, Filter, Imported, Planned,
};
use crate::api::json::ApiQuery;
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite, Person};
use crate::contributions::memberships::today;
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CollectionQuery {
    /// Only this member's.
    pub account_id: Option<i64>,
    /// `planned`, `submitted`, `settled`, `rejected`, `returned` or `missed`.
    pub status: Option<CollectionStatus>,
    /// Only the debits of this file.
    pub batch_id: Option<i64>,
    /// At most this many (default 100, at most 1000), latest date first.
    pub limit: Option<i64>,
}

#[utoipa::path(operation_id = "direct_debit_collections", get, path = "/api/v1/direct-debit/collections",
    tag = "direct-debit", params(CollectionQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = [Collection]), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<CollectionQuery>,
) -> Result<Json<Vec<Collection>>, AppError> {
    let filter = Filter {
        account_id: query.account_id,
        status: query.status,
        batch_id: query.batch_id,
        limit: query.limit.unwrap_or(100).clamp(1, 1000),
    };
    Ok(Json(collections::list(&mut tx, &filter).await?))
}

#[utoipa::path(operation_id = "direct_debit_plan", post, path = "/api/v1/direct-debit/collections/plan",
    tag = "direct-debit", security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Planned, description = "Debits planned now (each member was mailed a notice)"),
              (status = 401), (status = 403),
              (status = 409, description = "The association is not paid in euros")))]
pub async fn plan(
    _: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
) -> Result<Json<Planned>, AppError> {
    Ok(Json(collections::plan(&mut tx, today()).await?))
}

#[utoipa::path(operation_id = "direct_debit_batches", get, path = "/api/v1/direct-debit/batches",
    tag = "direct-debit", security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = [BatchSummary]), (status = 401), (status = 403)))]
pub async fn batches(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<Vec<BatchSummary>>, AppError> {
    Ok(Json(collections::batches(&mut tx, 100).await?))
}

#[utoipa::path(operation_id = "direct_debit_batch_prepare", post, path = "/api/v1/direct-debit/batches",
    tag = "direct-debit", security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = BatchSummary, description = "The pain.008.001.08 file of every planned debit the bank can still take"),
              (status = 401), (status = 403),
              (status = 409, description = "Not set up as a creditor, or nothing to send"),
              (status = 422, description = "A debit the SEPA rules refuse (the field is named)")))]
pub async fn prepare(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let summary = collections::prepare(&mut tx, today(), guard.0.account_id).await?;
    Ok((StatusCode::CREATED, Json(summary)).into_response())
}

#[utoipa::path(operation_id = "direct_debit_batch_file", get, path = "/api/v1/direct-debit/batches/{id}/file",
    tag = "direct-debit", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, content_type = "application/xml", description = "pain.008.001.08, as handed to the bank"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn file(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let found = collections::file(&mut tx, id)
        .await?
        .ok_or(Refusal::NotFound("batch"))?;
    Ok(xml_download(found))
}

/// The file as a download named after its message id.
pub(super) fn xml_download(found: collections::BatchFile) -> Response {
    let disposition = format!("attachment; filename=\"{}.xml\"", found.message_id);
    (
        [
            (header::CONTENT_TYPE, "application/xml".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        found.document,
    )
        .into_response()
}

#[utoipa::path(operation_id = "direct_debit_returns", post, path = "/api/v1/direct-debit/returns",
    tag = "direct-debit", request_body(content = String, content_type = "application/xml",
        description = "A pain.002 status report or a camt.054 debit notification from the bank"),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Imported), (status = 401), (status = 403),
              (status = 422, description = "Not a pain.002 or camt.054 file")))]
pub async fn import(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    body: String,
) -> Result<Json<Imported>, AppError> {
    let by = guard.0.account_id;
    Ok(Json(
        collections::import(&mut tx, &body, today(), by).await?,
    ))
}

#[utoipa::path(operation_id = "my_debits", get, path = "/api/v1/me/debits", tag = "direct-debit",
    security(("bearer" = [])),
    responses((status = 200, body = [Collection]), (status = 401)))]
pub async fn mine(
    Person(who): Person,
    mut tx: TenantTx,
) -> Result<Json<Vec<Collection>>, AppError> {
    let filter = Filter {
        account_id: Some(who.account_id),
        limit: 100,
        ..Filter::default()
    };
    Ok(Json(collections::list(&mut tx, &filter).await?))
}

#[derive(OpenApi)]
#[openapi(
    paths(list, plan, batches, prepare, file, import, mine),
    components(schemas(Collection, BatchSummary, Planned, Imported))
)]
pub struct Doc;
