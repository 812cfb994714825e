//! Scheduled reports, for people (`/dashboard/reports/schedules`) and
//! programs (`/api/v1/reports/schedules`). Treasurers and admins.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Form, Json};
use chrono::Utc;
use serde::Serialize;
use utoipa::OpenApi;

use super::catalogue::ReportKind;
use super::schedules::{self, NewSchedule, Schedule};
use crate::api::json::ApiJson;
use crate::auth::scoped::{Allowed, ReportingRead, ReportingWrite};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};

const TEMPLATE: &str = "reports/schedules.html";
const HERE: &str = "/dashboard/reports/schedules";

#[derive(Serialize)]
struct SchedulesPage {
    schedules: Vec<Schedule>,
    reports: Vec<&'static str>,
    error_field: String,
    error_text: String,
    csrf_token: String,
}

async fn page(tx: &mut TenantTx, auth: &RequestAuth) -> Result<SchedulesPage, AppError> {
    Ok(SchedulesPage {
        schedules: schedules::list(tx).await?,
        reports: ReportKind::ALL.iter().map(|k| k.as_str()).collect(),
        error_field: String::new(),
        error_text: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /dashboard/reports/schedules`.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = page(&mut tx, &auth).await?;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, StatusCode::OK, &data)
        .await?)
}

/// `POST /dashboard/reports/schedules`: the schedule goes to whoever
/// makes it.
pub async fn create(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let plan_id = match field("plan_id").map(|p| p.parse::<i64>()) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => Some(-1),
    };
    let new = NewSchedule {
        report: field("report").unwrap_or_default(),
        format: field("format").unwrap_or_default(),
        frequency: field("frequency").unwrap_or_default(),
        plan_id,
        method: field("method"),
        status: field("status"),
        recipient_id: None,
    };
    let me = guard.principal().account_id;
    match schedules::create(&mut tx, &new, me, Utc::now().date_naive()).await {
        Ok(_) => Ok(redirect_with(
            HERE,
            Some(Flash::new(FlashKind::Success, "flash-saved")),
        )),
        Err(Refusal::Database(error)) => Err(error.into()),
        Err(refusal) => {
            let mut data = page(&mut tx, &auth).await?;
            data.error_field = refusal.field().unwrap_or("report").to_owned();
            data.error_text = refusal.to_string();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(themes
                .private_page(&tx, &view, TEMPLATE, status, &data)
                .await?)
        }
    }
}

/// `POST /dashboard/reports/schedules/{id}/delete`.
pub async fn remove(
    _: RequireRole<Treasurer>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !schedules::delete(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with(
        HERE,
        Some(Flash::new(FlashKind::Success, "flash-saved")),
    ))
}

#[utoipa::path(operation_id = "report_schedules", get, path = "/api/v1/reports/schedules", tag = "reporting",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Vec<Schedule>), (status = 401), (status = 403)))]
pub async fn api_list(
    _: Allowed<Treasurer, ReportingRead>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Schedule>>, AppError> {
    Ok(Json(schedules::list(&mut tx).await?))
}

#[utoipa::path(operation_id = "report_schedules_create", post, path = "/api/v1/reports/schedules", tag = "reporting",
    request_body = NewSchedule,
    security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 201, body = Schedule), (status = 401), (status = 403),
              (status = 422, description = "An unknown report, format or frequency; a filter the report does not read; a recipient who is not a treasurer or an admin")))]
pub async fn api_create(
    who: Allowed<Treasurer, ReportingWrite>,
    mut tx: TenantTx,
    ApiJson(new): ApiJson<NewSchedule>,
) -> Result<(StatusCode, Json<Schedule>), AppError> {
    let today = Utc::now().date_naive();
    let id = schedules::create(&mut tx, &new, who.principal().account_id, today).await?;
    let created = schedules::list(&mut tx)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(operation_id = "report_schedules_delete", delete, path = "/api/v1/reports/schedules/{id}", tag = "reporting",
    params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
pub async fn api_delete(
    _: Allowed<Treasurer, ReportingWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    match schedules::delete(&mut tx, id).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(AppError::NotFound),
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(api_list, api_create, api_delete),
    components(schemas(Schedule, NewSchedule))
)]
pub struct Doc;
