//! `/api/v1/tax-receipts/…`: the declaration (administrators; keys with
//! `contributions:write` may read it), the dated low-value cap, receipts
//! issued for a gift or a year, cancelled and reissued, and the yearly
//! declaration's figures (treasurers, or keys with `contributions:read` /
//! `contributions:write`). `/api/v1/me/tax-receipts`: a donor's own.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::caps::{self, Cap};
use super::declaration::{self, Declaration};
use super::store::{self, Declared, Filter, TaxReceipt};
use super::{issue, render};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite, Person};
use crate::auth::{Admin, Treasurer};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::storage::Storage;

#[utoipa::path(operation_id = "tax_receipts_declaration", get, path = "/api/v1/tax-receipts/declaration",
    tag = "tax-receipts", security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Declaration), (status = 401), (status = 403),
              (status = 404, description = "Never declared: receipts are off")))]
pub async fn show_declaration(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<Declaration>, AppError> {
    let found = declaration::load(&mut tx).await?;
    Ok(Json(found.ok_or(Refusal::NotFound("declaration"))?))
}

#[utoipa::path(operation_id = "tax_receipts_declaration_save", put, path = "/api/v1/tax-receipts/declaration",
    tag = "tax-receipts", request_body = Declaration,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Declaration), (status = 401), (status = 403),
              (status = 422, description = "An organisation type, article, object, SIREN/RNA, address or signatory that is not valid")))]
pub async fn save_declaration(
    guard: Allowed<Admin, ContributionsWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Declaration>,
) -> Result<Json<Declaration>, AppError> {
    let checked = body.checked()?;
    declaration::save(&mut tx, &checked, guard.0.account_id).await?;
    Ok(Json(checked))
}

#[utoipa::path(operation_id = "tax_receipts_caps", get, path = "/api/v1/tax-receipts/caps",
    tag = "tax-receipts", security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = [Cap]), (status = 401), (status = 403)))]
pub async fn list_caps(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
) -> Result<Json<Vec<Cap>>, AppError> {
    Ok(Json(caps::list(&mut tx).await?))
}

#[utoipa::path(operation_id = "tax_receipts_caps_set", post, path = "/api/v1/tax-receipts/caps",
    tag = "tax-receipts", request_body = Cap,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Cap), (status = 401), (status = 403), (status = 422)))]
pub async fn set_cap(
    guard: Allowed<Admin, ContributionsWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<Cap>,
) -> Result<Json<Cap>, AppError> {
    Ok(Json(caps::set(&mut tx, &body, guard.0.account_id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    pub account_id: Option<i64>,
    /// The year of the gifts.
    pub tax_year: Option<i32>,
    /// At most this many (default 100, at most 1000), latest first.
    pub limit: Option<i64>,
}

#[utoipa::path(operation_id = "tax_receipts_list", get, path = "/api/v1/tax-receipts",
    tag = "tax-receipts", params(ReceiptQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = [TaxReceipt]), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<ReceiptQuery>,
) -> Result<Json<Vec<TaxReceipt>>, AppError> {
    let filter = Filter {
        account_id: query.account_id,
        tax_year: query.tax_year,
        limit: query.limit.unwrap_or(100).clamp(1, 1000),
    };
    Ok(Json(store::list(&mut tx, &filter).await?))
}

/// What to issue: one gift's receipt, one donor's year, or every donor's.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueBody {
    /// A gift's receipt: the payment.
    pub payment_id: Option<i64>,
    /// A yearly receipt: the donor (with `tax_year`).
    pub account_id: Option<i64>,
    /// A yearly receipt: the year of the gifts; alone, every donor's.
    pub tax_year: Option<i32>,
}

#[derive(Debug, serde::Serialize, ToSchema)]
pub struct Issued {
    /// How many receipts were issued.
    pub issued: usize,
    /// The receipt, when one was asked for.
    pub receipt: Option<TaxReceipt>,
}

#[utoipa::path(operation_id = "tax_receipts_issue", post, path = "/api/v1/tax-receipts",
    tag = "tax-receipts", request_body = IssueBody,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = Issued), (status = 401), (status = 403), (status = 404),
              (status = 409, description = "Receipts are off, the gift has a receipt already, or nothing is left to receipt"),
              (status = 422, description = "Nothing of the payment qualifies, or a year out of range")))]
pub async fn issue(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<IssueBody>,
) -> Result<Response, AppError> {
    let by = Some(guard.0.account_id);
    let issued = match (body.payment_id, body.account_id, body.tax_year) {
        (Some(payment), None, None) => one(issue::for_gift(&mut tx, payment, by).await?),
        (None, Some(account), Some(year)) => {
            one(issue::for_year(&mut tx, account, year, by).await?)
        }
        (None, None, Some(year)) => Issued {
            issued: issue::for_year_all(&mut tx, year, by).await?,
            receipt: None,
        },
        _ => {
            return Err(Refusal::invalid(
                "payment_id",
                "issue-what",
                "give payment_id, or account_id and tax_year, or tax_year alone",
            )
            .into());
        }
    };
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

fn one(receipt: TaxReceipt) -> Issued {
    Issued {
        issued: 1,
        receipt: Some(receipt),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    pub reason: String,
}

#[utoipa::path(operation_id = "tax_receipts_cancel", post, path = "/api/v1/tax-receipts/{id}/cancel",
    tag = "tax-receipts", params(("id" = i64, Path)), request_body = CancelBody,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = Issued, description = "Cancelled; `receipt` is its replacement, if anything still qualifies"),
              (status = 401), (status = 403), (status = 404),
              (status = 409, description = "Already cancelled"), (status = 422)))]
pub async fn cancel(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<CancelBody>,
) -> Result<Json<Issued>, AppError> {
    let replacement =
        issue::cancel_and_reissue(&mut tx, id, &body.reason, guard.0.account_id).await?;
    Ok(Json(Issued {
        issued: usize::from(replacement.is_some()),
        receipt: replacement,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The year of the gifts (default: last year).
    pub tax_year: Option<i32>,
}

#[utoipa::path(operation_id = "tax_receipts_declared", get, path = "/api/v1/tax-receipts/declared",
    tag = "tax-receipts", params(YearQuery),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Declared, description = "What to declare (art. 222 bis CGI): receipts not cancelled, and their total"),
              (status = 401), (status = 403)))]
pub async fn declared(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<YearQuery>,
) -> Result<Json<Declared>, AppError> {
    let last_year = chrono::Utc::now().year() - 1;
    Ok(Json(
        store::declared(&mut tx, query.tax_year.unwrap_or(last_year)).await?,
    ))
}

#[utoipa::path(operation_id = "my_tax_receipts", get, path = "/api/v1/me/tax-receipts", tag = "tax-receipts",
    security(("bearer" = [])), responses((status = 200, body = [TaxReceipt]), (status = 401)))]
pub async fn mine(
    Person(who): Person,
    mut tx: TenantTx,
) -> Result<Json<Vec<TaxReceipt>>, AppError> {
    let filter = Filter {
        account_id: Some(who.account_id),
        limit: 100,
        ..Filter::default()
    };
    Ok(Json(store::list(&mut tx, &filter).await?))
}

/// The PDF as a response.
pub(super) fn pdf_response(reference: &str, bytes: Vec<u8>) -> Response {
    let disposition = format!("inline; filename=\"recu-fiscal-{reference}.pdf\"");
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// The receipt's PDF, when `owner` (if given) holds it.
pub(super) async fn pdf_of(
    tx: &mut TenantTx,
    storage: &Storage,
    id: i64,
    owner: Option<i64>,
) -> Result<Response, AppError> {
    let receipt = store::find(tx, id).await?.ok_or(AppError::NotFound)?;
    if owner.is_some_and(|owner| owner != receipt.account_id) {
        return Err(AppError::NotFound);
    }
    let bytes = render::bytes(tx, storage, id)
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))?
        .ok_or(AppError::NotFound)?;
    Ok(pdf_response(&receipt.reference, bytes))
}

#[utoipa::path(operation_id = "tax_receipts_pdf", get, path = "/api/v1/tax-receipts/{id}/pdf",
    tag = "tax-receipts", params(("id" = i64, Path)),
    security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, content_type = "application/pdf", description = "The receipt as stored (a cancelled one with « ANNULÉ » across it)"),
              (status = 401), (status = 403), (status = 404)))]
pub async fn pdf(
    _: Allowed<Treasurer, ContributionsRead>,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    pdf_of(&mut tx, &storage, id, None).await
}

#[utoipa::path(operation_id = "my_tax_receipt_pdf", get, path = "/api/v1/me/tax-receipts/{id}/pdf",
    tag = "tax-receipts", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf"), (status = 401), (status = 404)))]
pub async fn my_pdf(
    Person(who): Person,
    State(storage): State<Storage>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    pdf_of(&mut tx, &storage, id, Some(who.account_id)).await
}

#[derive(OpenApi)]
#[openapi(
    paths(show_declaration, save_declaration, list_caps, set_cap, list, issue, cancel, declared, mine, pdf, my_pdf),
    components(schemas(Declaration, Cap, TaxReceipt, IssueBody, Issued, CancelBody, Declared)),
    tags((name = "tax-receipts", description = "Tax receipts (reçus fiscaux, form 2041-RD, Cerfa 11580*05): \
          off until an administrator declares the association; receipts for one gift or a donor's year, \
          gaplessly numbered, cancelled and reissued, and the yearly declaration (art. 222 bis CGI).")),
)]
pub struct Doc;
