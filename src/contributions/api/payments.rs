//! `POST /api/v1/payments` (record; `Idempotency-Key` required), `GET
//! /api/v1/payments/{id}` and `POST /api/v1/payments/{id}/refund` (also
//! idempotent). Treasurers, or a key with `contributions:write` / `:read`.
//! The core (`payments::record`, `payments::refund`) writes the payment,
//! its allocations, ledger lines, receipt number and audit entry in the
//! request's transaction: a refused request writes nothing. With
//! `project_id`, the payment is a donation earmarked for that project
//! (`earmarks::record_donation`).

use axum::Json;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::idempotent::{Keyed, parse};
use super::money::{MoneyInput, MoneyView};
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite};
use crate::contributions::earmarks;
use crate::contributions::memberships::today;
use crate::contributions::payments::{self, Allocation, NewPayment, Payment};
use crate::contributions::{Method, PaymentStatus};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::web::extract::Path;

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationView {
    pub membership_id: i64,
    pub amount: MoneyView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: i64,
    pub payer_id: i64,
    pub payer_name: String,
    pub amount: MoneyView,
    pub refunded: MoneyView,
    pub method: Method,
    pub status: PaymentStatus,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub reference: Option<String>,
    pub received_on: NaiveDate,
    pub note: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub allocations: Vec<AllocationView>,
    /// A donation: the project it is earmarked for (it pays no membership).
    pub project_id: Option<i64>,
    /// A gift (to `project_id`, or to the association when that is empty),
    /// not dues.
    pub donation: bool,
}

impl From<Payment> for PaymentView {
    fn from(p: Payment) -> Self {
        Self {
            id: p.id,
            payer_id: p.payer_id,
            payer_name: p.payer_name,
            amount: p.amount.into(),
            refunded: p.refunded.into(),
            method: p.method,
            status: p.status,
            cheque_number: p.cheque_number,
            cheque_bank: p.cheque_bank,
            reference: p.reference,
            received_on: p.received_on,
            note: p.note,
            recorded_by: p.recorded_by,
            created_at: p.created_at,
            paid_at: p.paid_at,
            allocations: p
                .allocations
                .into_iter()
                .map(|(membership_id, amount)| AllocationView {
                    membership_id,
                    amount: amount.into(),
                })
                .collect(),
            donation: p.earmark.is_some(),
            project_id: p.earmark.and_then(|e| e.project_id),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationBody {
    pub membership_id: i64,
    pub amount: MoneyInput,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    pub payer_id: i64,
    pub amount: MoneyInput,
    pub method: Method,
    /// `paid` (default) or `pending`.
    pub status: Option<PaymentStatus>,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub reference: Option<String>,
    /// Default: today.
    pub received_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// What it pays; empty: the payer's oldest dues first.
    #[serde(default)]
    pub allocations: Vec<AllocationBody>,
    /// A donation earmarked for this open project: it pays no membership
    /// (leave `allocations` empty) and moves the project's gauge once paid.
    pub project_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundBody {
    pub amount: MoneyInput,
    pub reason: String,
}

#[utoipa::path(operation_id = "payments_show", get, path = "/api/v1/payments/{id}", tag = "contributions",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = PaymentView), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<PaymentView>, AppError> {
    let payment = payments::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(payment.into()))
}

#[utoipa::path(operation_id = "payments_record", post, path = "/api/v1/payments", tag = "contributions",
    request_body = PaymentBody,
    params(("Idempotency-Key" = String, Header, description = "Required: a retry with the same key and body gets the first answer")),
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = PaymentView), (status = 400), (status = 401), (status = 403),
              (status = 422, description = "Invalid, or the key was used for another request")))]
pub async fn record(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = guard.principal();
    let keyed = Keyed::new(who, &headers, "POST", "/api/v1/payments", &body)?;
    let request: PaymentBody = parse(&headers, &body)?;
    let project = request.project_id;
    let payment = new_payment(request)?;
    let by = who.account_id;
    keyed
        .run(&mut tx, async |tx: &mut TenantTx| {
            let recorded = match project {
                Some(project) => earmarks::record_donation(tx, &payment, project, Some(by)).await?,
                None => payments::record(tx, &payment, Some(by)).await?,
            };
            Ok((StatusCode::CREATED, PaymentView::from(recorded)))
        })
        .await
}

fn new_payment(body: PaymentBody) -> Result<NewPayment, AppError> {
    let amount = body.amount.amount("amount")?;
    let mut allocations = Vec::with_capacity(body.allocations.len());
    for allocation in &body.allocations {
        let part = allocation.amount.amount("allocations.amount")?;
        if part.currency() != amount.currency() {
            return Err(AppError::Unprocessable(
                "allocations.amount: in the payment's currency".into(),
            ));
        }
        allocations.push(Allocation {
            membership_id: allocation.membership_id,
            amount_minor: part.minor(),
        });
    }
    Ok(NewPayment {
        payer_id: body.payer_id,
        amount,
        method: body.method,
        status: body.status.unwrap_or(PaymentStatus::Paid),
        cheque_number: body.cheque_number,
        cheque_bank: body.cheque_bank,
        reference: body.reference,
        received_on: body.received_on.unwrap_or_else(today),
        note: body.note,
        allocations,
        provider: None,
    })
}

#[utoipa::path(operation_id = "payments_refund", post, path = "/api/v1/payments/{id}/refund",
    tag = "contributions", params(("id" = i64, Path),
        ("Idempotency-Key" = String, Header, description = "Required, as for recording")),
    request_body = RefundBody, security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = PaymentView), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 409), (status = 422)))]
pub async fn refund(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let who = guard.principal();
    let path = format!("/api/v1/payments/{id}/refund");
    let keyed = Keyed::new(who, &headers, "POST", &path, &body)?;
    let request: RefundBody = parse(&headers, &body)?;
    let amount = request.amount.amount("amount")?;
    let by = who.account_id;
    keyed
        .run(&mut tx, async |tx: &mut TenantTx| {
            payments::find(tx, id).await?.ok_or(AppError::NotFound)?;
            let refunded = payments::refund(tx, id, amount, &request.reason, Some(by)).await?;
            Ok((StatusCode::OK, PaymentView::from(refunded)))
        })
        .await
}
