//! One member's contributions (`/treasury/members/{id}`): their
//! memberships with status and what is due, their ledger with its running
//! balance, their payments and receipts, their households; and what staff
//! may do about a membership: override its status with a reason (or clear
//! the override), cancel it with a reason, renew it on their behalf.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Choice, done, error_key, money, render};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::households::{self, Household};
use crate::contributions::memberships::{self, MembershipView};
use crate::contributions::{Error, Status, ledger, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::FlashKind;
use crate::web::form::Form;

#[derive(Serialize)]
struct MembershipLine {
    #[serde(flatten)]
    view: MembershipView,
    amount_text: String,
    paid_text: String,
    due_text: String,
}

#[derive(Serialize)]
struct LedgerLine {
    at: DateTime<Utc>,
    kind: &'static str,
    memo: String,
    amount: String,
    balance: String,
    payment_id: Option<i64>,
}

#[derive(Serialize)]
struct PaymentLine {
    id: i64,
    received_on: NaiveDate,
    method: String,
    status: String,
    amount: String,
    refunded: Option<String>,
}

#[derive(Serialize)]
struct ReceiptLine {
    id: i64,
    reference: String,
    payment_id: i64,
    amount: String,
    cancelled: bool,
}

#[derive(Serialize)]
struct MemberPage {
    account_id: i64,
    name: String,
    email: String,
    balance: String,
    owes: bool,
    memberships: Vec<MembershipLine>,
    ledger: Vec<LedgerLine>,
    payments: Vec<PaymentLine>,
    receipts: Vec<ReceiptLine>,
    households: Vec<Household>,
    statuses: Vec<Choice>,
    csrf_token: String,
}

/// `GET /treasury/members/{id}`.
pub async fn page(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = crate::accounts::store::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let currency = settings::get(&mut tx).await?.currency;
    let balance = ledger::balance(&mut tx, id, currency).await?;
    let memberships = memberships::for_account(&mut tx, id)
        .await?
        .into_iter()
        .map(|m| MembershipLine {
            amount_text: money(m.amount, &view),
            paid_text: money(m.paid, &view),
            due_text: money(m.due, &view),
            view: m,
        })
        .collect();
    let mut ledger: Vec<LedgerLine> = ledger::history(&mut tx, id)
        .await?
        .into_iter()
        .map(|e| LedgerLine {
            at: e.at,
            kind: e.kind.as_str(),
            memo: e.memo,
            amount: money(e.amount, &view),
            balance: money(e.balance, &view),
            payment_id: e.payment_id,
        })
        .collect();
    // Newest first, as the other lists.
    ledger.reverse();
    let data = MemberPage {
        account_id: id,
        name: account.display_name,
        email: account.email.to_string(),
        owes: balance.is_positive(),
        balance: money(balance, &view),
        memberships,
        ledger,
        payments: payments_of(&mut tx, id, &view).await?,
        receipts: receipts_of(&mut tx, id, &view).await?,
        households: households::for_account(&mut tx, id).await?,
        statuses: Choice::words(
            &Status::ALL.iter().map(Status::as_str).collect::<Vec<_>>(),
            "treasury-status-",
        ),
        csrf_token: auth.csrf.value().to_owned(),
    };
    let template = "treasury/member.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

fn shown(minor: i64, currency: &str, view: &PageView) -> String {
    Currency::parse(currency)
        .ok()
        .and_then(|c| Amount::new(minor, c))
        .map_or_else(|| minor.to_string(), |a| money(a, view))
}

/// The payments someone made, newest first.
async fn payments_of(
    tx: &mut TenantTx,
    payer_id: i64,
    view: &PageView,
) -> Result<Vec<PaymentLine>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, received_on, method, status, amount_minor, refunded_minor, currency
         FROM payments WHERE payer_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
        payer_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PaymentLine {
            id: r.id,
            received_on: r.received_on,
            amount: shown(r.amount_minor, &r.currency, view),
            refunded: (r.refunded_minor > 0).then(|| shown(r.refunded_minor, &r.currency, view)),
            method: r.method,
            status: r.status,
        })
        .collect())
}

/// Someone's receipts, newest first (cancelled ones too, marked).
async fn receipts_of(
    tx: &mut TenantTx,
    account_id: i64,
    view: &PageView,
) -> Result<Vec<ReceiptLine>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, year, number, payment_id, amount_minor, currency,
                  cancelled_at IS NOT NULL AS "cancelled!"
           FROM receipts WHERE account_id = $1 ORDER BY issued_at DESC, id DESC LIMIT 200"#,
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReceiptLine {
            id: r.id,
            reference: format!("{}-{:06}", r.year, r.number),
            payment_id: r.payment_id,
            amount: shown(r.amount_minor, &r.currency, view),
            cancelled: r.cancelled,
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

/// The member a membership belongs to (where its actions lead back).
async fn owner(tx: &mut TenantTx, id: i64) -> Result<i64, AppError> {
    memberships::find(tx, id)
        .await?
        .map(|m| m.account_id)
        .ok_or(AppError::NotFound)
}

/// Back to the member's page, saying how it went.
fn outcome(
    account_id: i64,
    result: Result<(), Error>,
    success: &str,
) -> Result<Response, AppError> {
    let to = format!("/treasury/members/{account_id}");
    match result {
        Ok(()) => Ok(done(&to, FlashKind::Success, success)),
        Err(Error::NotFound(_)) => Err(AppError::NotFound),
        Err(Error::Database(e)) => Err(AppError::Database(e)),
        Err(error) => Ok(done(&to, FlashKind::Error, error_key(&error))),
    }
}

/// `POST /treasury/memberships/{id}/override`: `status` (empty clears).
pub async fn override_status(
    guard: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let account = owner(&mut tx, id).await?;
    let status = match form.status.trim() {
        "" => None,
        word => match word.parse::<Status>() {
            Ok(status) => Some(status),
            Err(_) => {
                let to = format!("/treasury/members/{account}");
                return Ok(done(&to, FlashKind::Error, "treasury-error-invalid"));
            }
        },
    };
    let by = guard.principal().account_id;
    let result = memberships::override_status(&mut tx, id, status, &form.reason, by).await;
    outcome(account, result, "treasury-flash-status-overridden")
}

/// `POST /treasury/memberships/{id}/cancel`.
pub async fn cancel(
    guard: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let account = owner(&mut tx, id).await?;
    let by = guard.principal().account_id;
    let result = memberships::cancel(&mut tx, id, &form.reason, by).await;
    outcome(account, result, "treasury-flash-cancelled")
}

/// `POST /treasury/memberships/{id}/renew`: the next period, on the
/// member's behalf (the payer's whole group, as a renewal always is).
pub async fn renew(
    guard: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = owner(&mut tx, id).await?;
    let by = guard.principal().account_id;
    let result = memberships::renew(&mut tx, id, by, true, memberships::today())
        .await
        .map(|_| ());
    outcome(account, result, "treasury-flash-renewed")
}
