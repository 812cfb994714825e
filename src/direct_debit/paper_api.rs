//! `/api/v1/direct-debit/mandates/paper` (a treasurer records a mandate
//! signed on paper, with its scan) and `…/mandates/{id}/scan` (the scan
//! back, for the bank that asks), and the treasurer's page form
//! (`POST /treasury/direct-debit/paper`) and scan
//! (`GET /treasury/direct-debit/mandates/{id}/scan`).

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;

use super::mandates::Mandate;
use super::paper::{self, PaperError};
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite};
use crate::auth::{RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::storage::Storage;
use crate::web::flash::{Flash, FlashKind, redirect_with};

/// The fields of a paper mandate's upload, as the OpenAPI document shows
/// them (multipart/form-data).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PaperUpload {
    account_id: i64,
    /// `recurrent` or `one_off`.
    kind: String,
    debtor_name: String,
    street: Option<String>,
    building: Option<String>,
    post_code: Option<String>,
    town: String,
    country: String,
    iban: String,
    bic: Option<String>,
    signed_place: Option<String>,
    /// The date written on the form (YYYY-MM-DD).
    signed_on: String,
    /// The scan: PDF, JPEG or PNG, at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Reads the upload after giving the request's transaction back.
async fn received(
    tx: TenantTx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(TenantTx, paper::PaperForm), PaperError> {
    let fresh = tx.sibling();
    tx.commit().await?;
    let unreadable = || Refusal::invalid("file", "upload", "send multipart/form-data");
    let mut multipart = multipart.map_err(|_| unreadable())?;
    Ok((fresh, paper::read(&mut multipart).await?))
}

#[utoipa::path(operation_id = "direct_debit_paper_mandate", post, path = "/api/v1/direct-debit/mandates/paper",
    tag = "direct-debit", request_body(content = PaperUpload, content_type = "multipart/form-data"),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = Mandate, description = "Active, signed on the date given"),
              (status = 401), (status = 403),
              (status = 422, description = "A field, the date or the scan is not valid")))]
pub async fn record(
    guard: Allowed<Treasurer, ContributionsWrite>,
    State(storage): State<Storage>,
    tx: TenantTx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let (mut tx, form) = received(tx, multipart).await?;
    let mandate = paper::record(&storage, &mut tx, &form, guard.0.account_id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(mandate)).into_response())
}

#[utoipa::path(operation_id = "direct_debit_mandate_scan", get, path = "/api/v1/direct-debit/mandates/{id}/scan",
    tag = "direct-debit", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, content_type = "application/pdf", description = "The signed form (PDF, JPEG or PNG)"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn scan(
    _: Allowed<Treasurer, ContributionsRead>,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (bytes, media) = paper::scan(&storage, &mut tx, id).await?;
    Ok(([(header::CONTENT_TYPE, media)], bytes).into_response())
}

/// `GET /treasury/direct-debit/mandates/{id}/scan`.
pub async fn scan_page(
    _: RequireRole<Treasurer>,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let (bytes, media) = paper::scan(&storage, &mut tx, id).await?;
    Ok(([(header::CONTENT_TYPE, media)], bytes).into_response())
}

/// `POST /treasury/direct-debit/paper` (multipart: `csrf_token` first).
pub async fn record_page(
    guard: RequireRole<Treasurer>,
    State(storage): State<Storage>,
    tx: TenantTx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    let by = guard.principal().account_id;
    let outcome = match received(tx, multipart).await {
        Ok((mut tx, form)) => match paper::record(&storage, &mut tx, &form, by).await {
            Ok(_) => tx.commit().await.map_err(PaperError::from),
            Err(error) => Err(error),
        },
        Err(error) => Err(error),
    };
    let flash = match outcome {
        Ok(()) => Flash::new(FlashKind::Success, "direct-debit-flash-paper"),
        Err(PaperError::Refused(Refusal::Database(error))) => return Err(error.into()),
        Err(PaperError::Refused(_)) => {
            Flash::new(FlashKind::Error, "direct-debit-flash-paper-refused")
        }
        Err(error) => return Err(error.into()),
    };
    Ok(redirect_with("/treasury/direct-debit", Some(flash)))
}

#[derive(OpenApi)]
#[openapi(paths(record, scan), components(schemas(PaperUpload)))]
pub struct Doc;
