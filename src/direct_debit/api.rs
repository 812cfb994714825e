//! `/api/v1/direct-debit/…` for treasurers (or keys with
//! `contributions:read` / `contributions:write`): the creditor settings
//! and every mandate (list, show, amend, cancel). `/api/v1/me/mandates` for
//! a signed-in member: their own mandates, starting one (a code is
//! mailed), confirming it with the code, cancelling it.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::mandates::{self, Mandate, MandateStatus, NewMandate};
use super::settings::{self, Creditor};
use super::signing;
use crate::api::json::{ApiJson, ApiQuery, keeping_writes};
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite, Person};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::themes::PageView;

#[utoipa::path(operation_id = "direct_debit_settings", get, path = "/api/v1/direct-debit/settings",
    tag = "direct-debit", security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Creditor), (status = 401), (status = 403),
              (status = 404, description = "Direct debit is not set up")))]
pub async fn show_settings(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<Creditor>, AppError> {
    let found = settings::load(&mut tx).await?;
    Ok(Json(
        found.ok_or(Refusal::NotFound("direct debit settings"))?,
    ))
}

#[utoipa::path(operation_id = "direct_debit_settings_save", put, path = "/api/v1/direct-debit/settings",
    tag = "direct-debit", request_body = Creditor,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Creditor), (status = 401), (status = 403),
              (status = 422, description = "A creditor id, IBAN, BIC, name, address or delay that is not valid")))]
pub async fn save_settings(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Creditor>,
) -> Result<Json<Creditor>, AppError> {
    let checked = body.checked()?;
    settings::save(&mut tx, &checked, guard.0.account_id).await?;
    Ok(Json(checked))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MandateQuery {
    /// Only this member's.
    pub account_id: Option<i64>,
    /// `unsigned`, `active`, `cancelled`, `expired` or `used`.
    pub status: Option<MandateStatus>,
    /// At most this many (default 100, at most 500), newest first.
    pub limit: Option<i64>,
}

#[utoipa::path(operation_id = "direct_debit_mandates", get, path = "/api/v1/direct-debit/mandates",
    tag = "direct-debit", params(MandateQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = [Mandate]), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<MandateQuery>,
) -> Result<Json<Vec<Mandate>>, AppError> {
    let limit = query.limit.unwrap_or(100).clamp(1, 500);
    let found = mandates::list(&mut tx, query.account_id, query.status, limit).await?;
    Ok(Json(found))
}

#[utoipa::path(operation_id = "direct_debit_mandate", get, path = "/api/v1/direct-debit/mandates/{id}",
    tag = "direct-debit", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Mandate), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<Mandate>, AppError> {
    let found = mandates::find(&mut tx, id).await?;
    Ok(Json(found.ok_or(Refusal::NotFound("mandate"))?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    #[serde(default)]
    pub reason: String,
}

#[utoipa::path(operation_id = "direct_debit_mandate_cancel", post, path = "/api/v1/direct-debit/mandates/{id}/cancel",
    tag = "direct-debit", params(("id" = i64, Path)), request_body = Cancel,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Mandate), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "The mandate has ended already")))]
pub async fn cancel(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Cancel>,
) -> Result<Json<Mandate>, AppError> {
    let by = Some(guard.0.account_id);
    Ok(Json(mandates::cancel(&mut tx, id, &body.reason, by).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amend {
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
}

#[utoipa::path(operation_id = "direct_debit_mandate_amend", post, path = "/api/v1/direct-debit/mandates/{id}/amend",
    tag = "direct-debit", params(("id" = i64, Path)), request_body = Amend,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Mandate), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "The mandate has ended"),
              (status = 422, description = "Not a valid IBAN or BIC, or the same account")))]
pub async fn amend(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Amend>,
) -> Result<Json<Mandate>, AppError> {
    let by = Some(guard.0.account_id);
    let bic = body.bic.as_deref();
    Ok(Json(
        mandates::amend(&mut tx, id, &body.iban, bic, by).await?,
    ))
}

#[utoipa::path(operation_id = "my_mandates", get, path = "/api/v1/me/mandates", tag = "direct-debit",
    security(("bearer" = [])),
    responses((status = 200, body = [Mandate]), (status = 401)))]
pub async fn mine(Person(who): Person, mut tx: TenantTx) -> Result<Json<Vec<Mandate>>, AppError> {
    let found = mandates::list(&mut tx, Some(who.account_id), None, 100).await?;
    Ok(Json(found))
}

#[utoipa::path(operation_id = "my_mandate_start", post, path = "/api/v1/me/mandates", tag = "direct-debit",
    request_body = NewMandate, security(("bearer" = [])),
    responses((status = 201, body = Mandate, description = "Unsigned; a six-digit code is mailed to the member"),
              (status = 401),
              (status = 409, description = "The association does not collect by direct debit, or three codes were mailed in the last hour"),
              (status = 422, description = "A name, address, IBAN or BIC that is not valid")))]
pub async fn start(
    Person(who): Person,
    view: PageView,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<NewMandate>,
) -> Result<Response, AppError> {
    let mandate = signing::start(&mut tx, view.locale, who.account_id, body).await?;
    Ok((StatusCode::CREATED, Json(mandate)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    /// The six digits mailed to the member.
    pub code: String,
}

#[utoipa::path(operation_id = "my_mandate_confirm", post, path = "/api/v1/me/mandates/{id}/confirm",
    tag = "direct-debit", params(("id" = i64, Path)), request_body = Confirm, security(("bearer" = [])),
    responses((status = 200, body = Mandate, description = "Signed"), (status = 401), (status = 404),
              (status = 409, description = "The code expired or was tried five times: start again"),
              (status = 422, description = "Not the code mailed (the try counts)")))]
pub async fn confirm(
    Person(who): Person,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<Confirm>,
) -> Result<Response, AppError> {
    let today = crate::contributions::memberships::today();
    match mandates::confirm(&mut tx, who.account_id, id, &body.code, today).await {
        Ok(mandate) => Ok(Json(mandate).into_response()),
        // The spent try must stand.
        Err(refusal @ Refusal::Invalid { .. }) => Ok(keeping_writes(AppError::from(refusal))),
        Err(refusal) => Err(refusal.into()),
    }
}

#[utoipa::path(operation_id = "my_mandate_cancel", post, path = "/api/v1/me/mandates/{id}/cancel",
    tag = "direct-debit", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = Mandate), (status = 401), (status = 404),
              (status = 409, description = "The mandate has ended already")))]
pub async fn cancel_mine(
    Person(who): Person,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<Mandate>, AppError> {
    let owned = mandates::find(&mut tx, id).await?;
    if owned.is_none_or(|m| m.account_id != who.account_id) {
        return Err(Refusal::NotFound("mandate").into());
    }
    let by = Some(who.account_id);
    Ok(Json(
        mandates::cancel(&mut tx, id, "cancelled by the member", by).await?,
    ))
}

#[derive(OpenApi)]
#[openapi(
    paths(show_settings, save_settings, list, show, cancel, amend, mine, start, confirm, cancel_mine),
    components(schemas(Creditor, Mandate, NewMandate, Cancel, Amend, Confirm)),
    tags((name = "direct-debit", description = "SEPA direct debit (Core): the association's creditor \
          settings and its members' mandates, signed on the portal with a mailed code.")),
)]
pub struct Doc;
