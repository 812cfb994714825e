//! `/api/v1/reports`: the catalogue, and each report as JSON (streamed,
//! totals at the end), CSV, XLSX or PDF. Treasurers, or a key with
//! `reporting:read`.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::catalogue::ReportKind;
use super::deliver::deliver;
use super::params::{Format, ReportQuery};
use super::run;
use crate::api::json::ApiQuery;
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ReportingRead};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportInfo {
    /// `members`, `payments`, `arrears`, `renewals`, `receipts`, `commissions`.
    pub id: String,
    pub title: String,
    /// Column keys, in order (the CSV header).
    pub columns: Vec<String>,
    /// Which of `plan_id`, `method`, `status` it reads (besides `from`, `to`).
    pub reads: Vec<String>,
}

#[utoipa::path(operation_id = "reports_list", get, path = "/api/v1/reports", tag = "reporting",
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses((status = 200, body = Vec<ReportInfo>), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ReportingRead>,
    State(themes): State<Themes>,
    view: PageView,
) -> Json<Vec<ReportInfo>> {
    let catalog = &themes.env(&view.tenant.theme).catalog;
    let label = |key: &str| catalog.text(view.locale, key, None);
    let infos = ReportKind::ALL
        .iter()
        .map(|kind| {
            let reads = kind.reads();
            let read = [
                ("plan_id", reads.plan),
                ("method", reads.method),
                ("status", reads.status),
            ];
            ReportInfo {
                id: kind.as_str().to_owned(),
                title: label(&format!("report-{}", kind.as_str())),
                columns: kind
                    .columns(label)
                    .iter()
                    .map(|c| c.key.to_owned())
                    .collect(),
                reads: read
                    .iter()
                    .filter(|(_, yes)| *yes)
                    .map(|(name, _)| (*name).to_owned())
                    .collect(),
            }
        })
        .collect();
    Json(infos)
}

#[utoipa::path(operation_id = "reports_show", get, path = "/api/v1/reports/{report}", tag = "reporting",
    params(("report" = String, Path, description = "A report id from `/api/v1/reports`"), ReportQuery),
    security(("bearer" = []), ("api_key" = ["reporting:read"])),
    responses(
        (status = 200, description = "JSON `{report, from, to, columns, rows, totals}` streamed; or the CSV, XLSX or PDF file",
         content(("application/json"), ("text/csv"),
                 ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("application/pdf"))),
        (status = 401), (status = 403), (status = 404),
        (status = 422, description = "A parameter the report does not read, an unknown word, a bad period, or too many rows for a PDF")))]
pub async fn show(
    _: Allowed<Treasurer, ReportingRead>,
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
    Path(report): Path<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> Result<Response, AppError> {
    let kind: ReportKind = report.parse().map_err(|_| AppError::NotFound)?;
    let (params, today) = run::check(&mut tx, kind, &query, Format::Json)
        .await?
        .map_err(|bad| {
            let catalog = &themes.env(&view.tenant.theme).catalog;
            let message = catalog.text(view.locale, bad.key, None);
            AppError::Unprocessable(format!("{}: {message}", bad.field).into())
        })?;
    if params.format == Format::Html {
        return Err(AppError::Unprocessable(
            "format: html is for pages; ask json".into(),
        ));
    }
    let started = run::start(&themes, &view, &tx, kind, params, today);
    deliver(
        kind,
        &started.params,
        started.columns,
        started.feed,
        started.heading,
    )
    .await
}

#[derive(OpenApi)]
#[openapi(paths(list, show), components(schemas(ReportInfo)))]
pub struct Doc;
