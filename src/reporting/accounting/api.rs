//! `/api/v1/accounting`: the chart of accounts (read, replace) and the
//! journal export (FEC, CSV, XLSX). Treasurers, or a key with
//! `reporting:read` / `reporting:write`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use utoipa::OpenApi;

use super::chart::{self, Chart};
use super::export::{self, ExportQuery};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ReportingRead, ReportingWrite};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

#[utoipa::path(operation_id = "accounting_chart", get, path = "/api/v1/accounting/chart", tag = "reporting",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Chart), (status = 401), (status = 403)))]
pub async fn chart(
    _: Allowed<Treasurer, ReportingRead>,
    mut tx: TenantTx,
) -> Result<Json<Chart>, AppError> {
    Ok(Json(chart::load(&mut tx).await?))
}

#[utoipa::path(operation_id = "accounting_chart_save", put, path = "/api/v1/accounting/chart", tag = "reporting",
    request_body = Chart,
    security(("bearer" = []), ("api_key" = ["reporting:write"])),
    responses((status = 200, body = Chart), (status = 401), (status = 403),
              (status = 422, description = "A field that is not an account, a journal code or a SIREN; a plan that is not ours")))]
pub async fn save_chart(
    _: Allowed<Treasurer, ReportingWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Chart>,
) -> Result<Json<Chart>, AppError> {
    let checked = body.checked()?;
    chart::save(&mut tx, &checked).await?;
    Ok(Json(chart::load(&mut tx).await?))
}

#[utoipa::path(operation_id = "accounting_export", get, path = "/api/v1/accounting/export", tag = "reporting",
    params(ExportQuery),
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses(
        (status = 200, description = "The FEC (`{SIREN}FEC{AAAAMMJJ}.txt`, ISO-8859-15, tab-separated) or the journal as CSV or XLSX",
         content(("text/plain"), ("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401), (status = 403),
        (status = 422, description = "A bad period or format; no SIREN set for the FEC")))]
pub async fn export(
    _: Allowed<Treasurer, ReportingRead>,
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    match export::export(&themes, &view, &mut tx, &query).await? {
        Ok(response) => Ok(response),
        Err(bad) => {
            let catalog = &themes.env(&view.tenant.theme).catalog;
            let message = catalog.text(view.locale, bad.key, None);
            Err(AppError::Unprocessable(
                format!("{}: {message}", bad.field).into(),
            ))
        }
    }
}

#[derive(OpenApi)]
#[openapi(paths(chart, save_chart, export), components(schemas(Chart)))]
pub struct Doc;
