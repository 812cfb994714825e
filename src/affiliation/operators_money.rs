//! The money side of the operators' API for the platform's programme:
//! payouts and batches (with their SEPA file), and the platform fees that
//! are the programme's sales, with their refunds.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::Affiliation;
use super::api_staff::{PaidBody, PrepareBody};
use super::books::Books;
use super::operators::on_books;
use super::payouts::batch::{self, Batch};
use super::payouts::{self, Payout};
use super::platform::{self, Fee, NewFee};
use crate::api::json::ApiJson;
use crate::error::AppError;
use crate::platform::operators::{CanWrite, OperatorPrincipal};
use crate::web::extract::Path;

#[utoipa::path(operation_id = "platform_affiliation_payouts", get, path = "/api/v1/platform/affiliation/programs/{id}/payouts",
    tag = "platform-affiliation", params(("id" = i64, Path)), security(("operator_token" = [])),
    responses((status = 200, body = Vec<Payout>)))]
pub async fn payouts_of(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Payout>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| payouts::of_program(
        &mut books, id
    )
    .await?)))
}

#[utoipa::path(operation_id = "platform_affiliation_batches", get, path = "/api/v1/platform/affiliation/programs/{id}/batches",
    tag = "platform-affiliation", params(("id" = i64, Path)), security(("operator_token" = [])),
    responses((status = 200, body = Vec<Batch>)))]
pub async fn batches(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Batch>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| batch::list(
        &mut books, id
    )
    .await?)))
}

#[utoipa::path(operation_id = "platform_affiliation_batches_prepare", post,
    path = "/api/v1/platform/affiliation/programs/{id}/batches", tag = "platform-affiliation",
    params(("id" = i64, Path)), request_body = PrepareBody, security(("operator_token" = [])),
    responses((status = 201, body = Batch), (status = 409), (status = 422)))]
pub async fn prepare(
    CanWrite(operator): CanWrite,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PrepareBody>,
) -> Result<Response, AppError> {
    let today: NaiveDate = Utc::now().date_naive();
    let made = on_books!(affiliation, |books| batch::prepare(
        &mut books,
        id,
        body.execution_date,
        today,
        Some(operator.id)
    )
    .await?);
    Ok((StatusCode::CREATED, Json(made)).into_response())
}

#[utoipa::path(operation_id = "platform_affiliation_batches_paid", post,
    path = "/api/v1/platform/affiliation/programs/{id}/batches/{batch}/paid", tag = "platform-affiliation",
    params(("id" = i64, Path), ("batch" = i64, Path)), request_body = PaidBody, security(("operator_token" = [])),
    responses((status = 200, body = Vec<i64>), (status = 409), (status = 422)))]
pub async fn paid(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    Path((id, batch_id)): Path<(i64, i64)>,
    ApiJson(body): ApiJson<PaidBody>,
) -> Result<Json<Vec<i64>>, AppError> {
    Ok(Json(on_books!(affiliation, |books| batch::mark_paid(
        &mut books,
        id,
        batch_id,
        &body.bank_reference
    )
    .await?)))
}

#[utoipa::path(operation_id = "platform_affiliation_batches_file", get,
    path = "/api/v1/platform/affiliation/programs/{id}/batches/{batch}/transfers.xml", tag = "platform-affiliation",
    params(("id" = i64, Path), ("batch" = i64, Path)), security(("operator_token" = [])),
    responses((status = 200, content_type = "application/xml"), (status = 404), (status = 409)))]
pub async fn transfers(
    _: OperatorPrincipal,
    State(affiliation): State<Affiliation>,
    Path((id, batch_id)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let xml = on_books!(affiliation, |books| batch::transfer_file(
        &mut books,
        id,
        batch_id,
        Utc::now()
    )
    .await?);
    Ok(([(header::CONTENT_TYPE, "application/xml")], xml).into_response())
}

#[utoipa::path(operation_id = "platform_affiliation_fees", post, path = "/api/v1/platform/affiliation/fees",
    tag = "platform-affiliation", request_body = NewFee, security(("operator_token" = [])),
    responses((status = 201, body = Fee), (status = 422)))]
pub async fn charge(
    CanWrite(operator): CanWrite,
    State(affiliation): State<Affiliation>,
    ApiJson(body): ApiJson<NewFee>,
) -> Result<Response, AppError> {
    let fee = platform::charge(affiliation.platform(), body, Some(operator.id)).await?;
    Ok((StatusCode::CREATED, Json(fee)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefundBody {
    pub amount_minor: i64,
}

#[utoipa::path(operation_id = "platform_affiliation_fees_refund", post, path = "/api/v1/platform/affiliation/fees/{id}/refund",
    tag = "platform-affiliation", params(("id" = i64, Path)), request_body = RefundBody, security(("operator_token" = [])),
    responses((status = 200, body = Fee), (status = 422)))]
pub async fn refund(
    _: CanWrite,
    State(affiliation): State<Affiliation>,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<RefundBody>,
) -> Result<Json<Fee>, AppError> {
    Ok(Json(
        platform::refund(affiliation.platform(), id, body.amount_minor).await?,
    ))
}
