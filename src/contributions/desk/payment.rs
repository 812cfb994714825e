//! One payment (`/treasury/payments/{id}`): who paid what, how, when, what
//! it pays, its receipts; and the refund form (all that is left, or part
//! of it, with a reason). The refund itself — ledger line, receipt
//! reissued, audit entry — is the payments store's, in this request's
//! transaction.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::plan_form::money_key;
use super::{Errors, done, money, render};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::payments::{self, Payment};
use crate::contributions::{Error, PaymentStatus};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Amount;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::FlashKind;
use crate::web::form::Form;

#[derive(Serialize)]
struct Paid {
    membership_id: i64,
    amount: String,
}

#[derive(Serialize)]
struct ReceiptLine {
    id: i64,
    reference: String,
    cancelled: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RefundForm {
    amount: String,
    reason: String,
}

#[derive(Serialize)]
struct PaymentPage {
    payment: Payment,
    amount: String,
    refunded: Option<String>,
    left: String,
    refundable: bool,
    pays: Vec<Paid>,
    receipts: Vec<ReceiptLine>,
    values: RefundForm,
    errors: Errors,
    currency: String,
    csrf_token: String,
}

const TEMPLATE: &str = "treasury/payment.html";

async fn load(
    tx: &mut TenantTx,
    id: i64,
    view: &PageView,
    auth: &RequestAuth,
    values: Option<RefundForm>,
    errors: Errors,
) -> Result<PaymentPage, AppError> {
    let payment = payments::find(tx, id).await?.ok_or(AppError::NotFound)?;
    let left = payment
        .amount
        .checked_sub(payment.refunded)
        .unwrap_or(payment.amount);
    let receipts = sqlx::query!(
        r#"SELECT id, year, number, cancelled_at IS NOT NULL AS "cancelled!"
           FROM receipts WHERE payment_id = $1 ORDER BY id"#,
        id
    )
    .fetch_all(tx.conn().await?)
    .await?
    .into_iter()
    .map(|r| ReceiptLine {
        id: r.id,
        reference: format!("{}-{:06}", r.year, r.number),
        cancelled: r.cancelled,
    })
    .collect();
    Ok(PaymentPage {
        amount: money(payment.amount, view),
        refunded: (!payment.refunded.is_zero()).then(|| money(payment.refunded, view)),
        left: money(left, view),
        refundable: payment.status == PaymentStatus::Paid && left.is_positive(),
        pays: payment
            .allocations
            .iter()
            .map(|(membership_id, amount)| Paid {
                membership_id: *membership_id,
                amount: money(*amount, view),
            })
            .collect(),
        receipts,
        values: values.unwrap_or_else(|| RefundForm {
            amount: left.decimal(),
            reason: String::new(),
        }),
        errors,
        currency: payment.amount.currency().code().to_owned(),
        csrf_token: auth.csrf.value().to_owned(),
        payment,
    })
}

/// `GET /treasury/payments/{id}`.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = load(&mut tx, id, &view, &auth, None, Errors::default()).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &data).await
}

/// `POST /treasury/payments/{id}/refund`: all or part of what is left.
pub async fn refund(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<RefundForm>,
) -> Result<Response, AppError> {
    let payment = payments::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Errors::default();
    if form.reason.trim().is_empty() {
        errors.add("reason", "treasury-error-required");
    }
    let amount = match Amount::parse(&form.amount, payment.amount.currency()) {
        Ok(amount) => Some(amount),
        Err(error) => {
            errors.add("amount", money_key(error));
            None
        }
    };
    if let (Some(amount), true) = (amount, errors.is_empty()) {
        let by = guard.principal().account_id;
        match payments::refund(&mut tx, id, amount, &form.reason, Some(by)).await {
            Ok(_) => {
                return Ok(done(
                    &format!("/treasury/payments/{id}"),
                    FlashKind::Success,
                    "treasury-flash-refunded",
                ));
            }
            Err(Error::NotFound(_)) => return Err(AppError::NotFound),
            Err(Error::Database(e)) => return Err(AppError::Database(e)),
            Err(error) => errors.store(&error, "amount"),
        }
    }
    let data = load(&mut tx, id, &view, &auth, Some(form), errors).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(&themes, &tx, &view, TEMPLATE, status, &data).await
}
