//! `/api/v1/federation/…`: where the tenant stands, its clubs' aggregates
//! (as a federation: JSON and CSV), the lists its clubs shared, and the
//! staff's changes. Reads need treasurer and `reporting:read`; changes
//! need admin and `reporting:write`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::Federations;
use super::actions::{self, Standing};
use super::clubs::{self, Club, Dues, SharedList};
use super::links::Link;
use crate::api::json::ApiJson;
use crate::auth::scoped::{Allowed, ReportingRead, ReportingWrite};
use crate::auth::{Admin, Treasurer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

type Reader = Allowed<Treasurer, ReportingRead>;
type Writer = Allowed<Admin, ReportingWrite>;

#[utoipa::path(operation_id = "federation_standing", get, path = "/api/v1/federation",
    tag = "federation", security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Standing), (status = 401), (status = 403)))]
pub async fn standing(
    _: Reader,
    State(federations): State<Federations>,
    tx: TenantTx,
) -> Result<Json<Standing>, AppError> {
    Ok(Json(actions::standing(&federations, &tx).await?))
}

/// The clubs this tenant federates now, with their published aggregates
/// and the dues each owes; never a member.
#[utoipa::path(operation_id = "federation_clubs", get, path = "/api/v1/federation/clubs",
    tag = "federation", security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Vec<Club>), (status = 401), (status = 403)))]
pub async fn clubs(
    _: Reader,
    State(federations): State<Federations>,
    tx: TenantTx,
) -> Result<Json<Vec<Club>>, AppError> {
    Ok(Json(actions::clubs_of(&federations, &tx).await?))
}

/// The same roll-up as a spreadsheet.
#[utoipa::path(operation_id = "federation_clubs_csv", get, path = "/api/v1/federation/clubs.csv",
    tag = "federation", security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401), (status = 403)))]
pub async fn clubs_csv(
    _: Reader,
    State(federations): State<Federations>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    rollup_csv(&federations, &tx).await
}

/// The same roll-up as an Excel workbook.
#[utoipa::path(operation_id = "federation_clubs_xlsx", get, path = "/api/v1/federation/clubs.xlsx",
    tag = "federation", security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               body = Vec<u8>), (status = 401), (status = 403)))]
pub async fn clubs_xlsx(
    _: Reader,
    State(federations): State<Federations>,
    tx: TenantTx,
) -> Result<Response, AppError> {
    rollup_xlsx(&federations, &tx).await
}

async fn rollup(federations: &Federations, tx: &TenantTx) -> Result<Vec<Vec<String>>, AppError> {
    let found = actions::clubs_of(federations, tx).await?;
    let dues = clubs::dues(federations.platform(), tx.tenant().id.get()).await?;
    Ok(actions::rollup_rows(&found, &dues))
}

pub(super) async fn rollup_csv(
    federations: &Federations,
    tx: &TenantTx,
) -> Result<Response, AppError> {
    let rows = rollup(federations, tx).await?;
    crate::reporting::operators::csv::download("clubs.csv", &actions::ROLLUP_HEAD, &rows)
}

pub(super) async fn rollup_xlsx(
    federations: &Federations,
    tx: &TenantTx,
) -> Result<Response, AppError> {
    let rows = rollup(federations, tx).await?;
    crate::reporting::operators::xlsx::download("clubs.xlsx", &actions::ROLLUP_HEAD, &rows)
}

/// A list a club shares with this federation (404 once withdrawn or once
/// the club left).
#[utoipa::path(operation_id = "federation_shared_list", get,
    path = "/api/v1/federation/clubs/{club}/lists/{name}", tag = "federation",
    params(("club" = String, Path), ("name" = String, Path)), security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = SharedList), (status = 404), (status = 401), (status = 403)))]
pub async fn shared_list(
    _: Reader,
    State(federations): State<Federations>,
    Path((club, name)): Path<(String, String)>,
    tx: TenantTx,
) -> Result<Json<SharedList>, AppError> {
    let me = tx.tenant().id.get();
    clubs::shared_list(federations.platform(), me, &club, &name)
        .await?
        .map(Json)
        .ok_or(AppError::NotFound)
}

#[utoipa::path(operation_id = "federation_accept", post, path = "/api/v1/federation/links/{id}/accept",
    tag = "federation", params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 200, body = Link), (status = 404), (status = 401), (status = 403)))]
pub async fn accept(
    writer: Writer,
    State(federations): State<Federations>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Json<Link>, AppError> {
    let by = writer.principal().account_id;
    Ok(Json(actions::accept(&federations, &mut tx, by, id).await?))
}

/// Refuses a proposed link or leaves an active one (either side).
#[utoipa::path(operation_id = "federation_leave", post, path = "/api/v1/federation/links/{id}/leave",
    tag = "federation", params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 204), (status = 404), (status = 401), (status = 403)))]
pub async fn leave(
    writer: Writer,
    State(federations): State<Federations>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    let by = writer.principal().account_id;
    actions::end(&federations, &mut tx, by, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "federation_dues", put, path = "/api/v1/federation/dues",
    tag = "federation", request_body = Dues, security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 200, body = Dues), (status = 422), (status = 401), (status = 403)))]
pub async fn set_dues(
    writer: Writer,
    State(federations): State<Federations>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Dues>,
) -> Result<Json<Dues>, AppError> {
    let by = writer.principal().account_id;
    actions::set_dues(&federations, &mut tx, by, &body).await?;
    Ok(Json(
        clubs::dues(federations.platform(), tx.tenant().id.get()).await?,
    ))
}

/// What to share: only the licence holders' list exists.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareBody {
    /// `licence-holders`.
    pub list: String,
}

/// Shares (or refreshes) a named list with the club's federation.
#[utoipa::path(operation_id = "federation_share", post, path = "/api/v1/federation/lists",
    tag = "federation", request_body = ShareBody, security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 204), (status = 409, description = "no active federation"),
              (status = 422), (status = 401), (status = 403)))]
pub async fn share(
    writer: Writer,
    State(federations): State<Federations>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<ShareBody>,
) -> Result<StatusCode, AppError> {
    if body.list != actions::LICENCE_HOLDERS {
        return Err(AppError::Unprocessable("list: licence-holders".into()));
    }
    let by = writer.principal().account_id;
    actions::share(&federations, &mut tx, by).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(operation_id = "federation_withdraw", delete, path = "/api/v1/federation/lists/{name}",
    tag = "federation", params(("name" = String, Path)), security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 204), (status = 404), (status = 401), (status = 403)))]
pub async fn withdraw(
    writer: Writer,
    State(federations): State<Federations>,
    Path(name): Path<String>,
    mut tx: TenantTx,
) -> Result<StatusCode, AppError> {
    let by = writer.principal().account_id;
    actions::withdraw(&federations, &mut tx, by, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
