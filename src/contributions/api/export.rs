//! Downloads of the payments exports: `GET /api/v1/payments/export.csv`
//! and `.xlsx` (treasurers, or a key with `contributions:read`), and the
//! same files for the treasurer's pages at `/treasury/payments/export.csv`
//! and `.xlsx` (session, treasurer role). Same filters as the list.
//!
//! The export runs in a transaction of its own ([`TenantTx::sibling`]),
//! owned by the body stream: the request's transaction ends when the
//! handler returns, the export's when the last byte is sent.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::list::{FilterQuery, filter};
use crate::api::json::ApiQuery;
use crate::auth::scoped::{Allowed, ContributionsRead};
use crate::auth::{RequireRole, Treasurer};
use crate::contributions::payments::export;
use crate::db::TenantTx;
use crate::error::AppError;

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[utoipa::path(operation_id = "payments_export_csv", get, path = "/api/v1/payments/export.csv",
    tag = "contributions", params(FilterQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, content_type = "text/csv", body = String,
               description = "Every matching payment, newest first, streamed"),
              (status = 400), (status = 401), (status = 403)))]
pub async fn api_csv(
    _: Allowed<Treasurer, ContributionsRead>,
    tx: TenantTx,
    ApiQuery(query): ApiQuery<FilterQuery>,
) -> Result<Response, AppError> {
    csv(tx, query).await
}

#[utoipa::path(operation_id = "payments_export_xlsx", get, path = "/api/v1/payments/export.xlsx",
    tag = "contributions", params(FilterQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               body = Vec<u8>, description = "Every matching payment, newest first"),
              (status = 400), (status = 401), (status = 403)))]
pub async fn api_xlsx(
    _: Allowed<Treasurer, ContributionsRead>,
    tx: TenantTx,
    ApiQuery(query): ApiQuery<FilterQuery>,
) -> Result<Response, AppError> {
    xlsx(tx, query).await
}

/// `/treasury/payments/export.csv`: the treasurer's download.
pub async fn page_csv(
    _: RequireRole<Treasurer>,
    tx: TenantTx,
    ApiQuery(query): ApiQuery<FilterQuery>,
) -> Result<Response, AppError> {
    csv(tx, query).await
}

/// `/treasury/payments/export.xlsx`.
pub async fn page_xlsx(
    _: RequireRole<Treasurer>,
    tx: TenantTx,
    ApiQuery(query): ApiQuery<FilterQuery>,
) -> Result<Response, AppError> {
    xlsx(tx, query).await
}

async fn csv(mut tx: TenantTx, query: FilterQuery) -> Result<Response, AppError> {
    let filter = filter(&mut tx, &query).await?;
    let body = export::csv(tx.reader(), filter);
    Ok(download(body, CSV, "payments.csv"))
}

async fn xlsx(mut tx: TenantTx, query: FilterQuery) -> Result<Response, AppError> {
    let filter = filter(&mut tx, &query).await?;
    let body = export::xlsx(tx.reader(), filter)
        .await
        .map_err(|e| match e {
            export::ExportError::Database(error) => AppError::Database(error),
            other => AppError::Internal(other.to_string().into()),
        })?;
    Ok(download(body, XLSX, "payments.xlsx"))
}

fn download(body: Body, content_type: &'static str, name: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}
