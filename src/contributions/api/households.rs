//! `/api/v1/households`: list, create and show households, add and remove
//! members (treasurers, or a key with `contributions:read` / `:write`).

use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::json::ApiJson;
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite};
use crate::contributions::households::{self, Household};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HouseholdBody {
    pub name: String,
    /// The account that pays; a member too.
    pub payer_id: i64,
    /// Other members' account ids.
    #[serde(default)]
    pub members: Vec<i64>,
}

#[utoipa::path(operation_id = "households_list", get, path = "/api/v1/households", tag = "contributions",
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Vec<Household>), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Household>>, AppError> {
    Ok(Json(households::list(&mut tx).await?))
}

#[utoipa::path(operation_id = "households_show", get, path = "/api/v1/households/{id}", tag = "contributions",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Household), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<Household>, AppError> {
    let household = households::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(household))
}

#[utoipa::path(operation_id = "households_create", post, path = "/api/v1/households", tag = "contributions",
    request_body = HouseholdBody, security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = Household), (status = 400), (status = 401), (status = 403),
              (status = 422)))]
pub async fn create(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<HouseholdBody>,
) -> Result<(StatusCode, Json<Household>), AppError> {
    let by = guard.principal().account_id;
    let id = households::create(&mut tx, &body.name, body.payer_id, &body.members, by).await?;
    let household = households::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(household)))
}

#[utoipa::path(operation_id = "households_add_member", post,
    path = "/api/v1/households/{id}/members/{account_id}", tag = "contributions",
    params(("id" = i64, Path), ("account_id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Household), (status = 401), (status = 403), (status = 404),
              (status = 409), (status = 422)))]
pub async fn add_member(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path((id, account_id)): Path<(i64, i64)>,
) -> Result<Json<Household>, AppError> {
    let by = guard.principal().account_id;
    households::add_member(&mut tx, id, account_id, by).await?;
    let household = households::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(household))
}

#[utoipa::path(operation_id = "households_remove_member", delete,
    path = "/api/v1/households/{id}/members/{account_id}", tag = "contributions",
    params(("id" = i64, Path), ("account_id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Household), (status = 401), (status = 403), (status = 404),
              (status = 409)))]
pub async fn remove_member(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path((id, account_id)): Path<(i64, i64)>,
) -> Result<Json<Household>, AppError> {
    let by = guard.principal().account_id;
    households::remove_member(&mut tx, id, account_id, by).await?;
    let household = households::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(household))
}
