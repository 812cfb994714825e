//! `/affiliate/payouts/`: what is due, the account to pay (shown masked),
//! asking for a payout once the threshold is reached, cancelling a request
//! not yet batched, and past payouts.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Pick, back, done, me, refused};
use crate::affiliation::affiliates::{self, PayeeDetails};
use crate::affiliation::books::Books;
use crate::affiliation::payouts::{self, Payout, bank};
use crate::affiliation::{events, stats};
use crate::audit::{self, Entry};
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::form::Form;

#[derive(Serialize)]
struct Page<'a> {
    csrf: &'a str,
    program_id: i64,
    currency: String,
    min_payout_minor: i64,
    available_minor: i64,
    can_request: bool,
    earnings: stats::Earnings,
    payee_name: Option<String>,
    iban: Option<String>,
    payouts: Vec<Payout>,
}

/// `GET /affiliate/payouts/`.
pub async fn show(
    State(themes): State<Themes>,
    SignedIn(who): SignedIn,
    view: PageView,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Ok(Redirect::to("/affiliate/").into_response());
    };
    let mut books = Books::tenant(&mut tx);
    let available = payouts::available(&mut books, me.affiliate.id).await?;
    let earnings = stats::of_affiliate(&mut books, me.affiliate.id)
        .await?
        .earnings;
    let history = payouts::of_affiliate(&mut books, me.affiliate.id).await?;
    let min = me.program.settings.min_payout_minor;
    let page = Page {
        csrf: auth.csrf.value(),
        program_id: me.program.id,
        currency: me.program.currency.clone(),
        min_payout_minor: min,
        available_minor: available,
        can_request: available > 0 && available >= min && me.affiliate.iban.is_some(),
        earnings,
        payee_name: me.affiliate.payee_name.clone(),
        iban: me.affiliate.iban.as_deref().map(bank::masked),
        payouts: history,
    };
    Ok(themes
        .private_page(
            &tx,
            &view,
            "affiliation/payouts.html",
            StatusCode::OK,
            &page,
        )
        .await?)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BankForm {
    payee_name: String,
    iban: String,
    bic: String,
}

/// `POST /affiliate/payouts/bank`.
pub async fn bank(
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
    Form(form): Form<BankForm>,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Err(AppError::NotFound);
    };
    let to = back("/affiliate/payouts/", &me);
    let details = PayeeDetails {
        payee_name: form.payee_name,
        iban: form.iban,
        bic: Some(form.bic),
    };
    if let Err(error) =
        affiliates::set_payee(&mut Books::tenant(&mut tx), me.affiliate.id, details).await
    {
        return refused(&to, error);
    }
    let entry = Entry::new("affiliation.bank_details")
        .by(who.account_id)
        .on(who.account_id)
        .from(auth.client_ip)
        .with(json!({ "affiliate": me.affiliate.id }));
    audit::record(&mut tx, entry).await?;
    Ok(done(&to, "affiliation-flash-bank-saved"))
}

/// `POST /affiliate/payouts/request`.
pub async fn request(
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Err(AppError::NotFound);
    };
    let to = back("/affiliate/payouts/", &me);
    let mut books = Books::tenant(&mut tx);
    let payout = match payouts::request(&mut books, me.affiliate.id).await {
        Ok(payout) => payout,
        Err(error) => return refused(&to, error),
    };
    events::payout(&mut books, "payout.requested", &payout).await?;
    let entry = Entry::new("affiliation.payout_request")
        .by(who.account_id)
        .on(who.account_id)
        .with(json!({ "payout": payout.id, "amount_minor": payout.amount_minor }));
    audit::record(&mut tx, entry).await?;
    Ok(done(&to, "affiliation-flash-payout-requested"))
}

/// `POST /affiliate/payouts/{id}/cancel`.
pub async fn cancel(
    SignedIn(who): SignedIn,
    auth: RequestAuth,
    headers: HeaderMap,
    Query(pick): Query<Pick>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let Some(me) = me(&mut tx, &who, &pick, &auth, &headers).await? else {
        return Err(AppError::NotFound);
    };
    let to = back("/affiliate/payouts/", &me);
    match payouts::cancel(&mut Books::tenant(&mut tx), id, Some(me.affiliate.id)).await {
        Ok(()) => Ok(done(&to, "affiliation-flash-payout-cancelled")),
        Err(error) => refused(&to, error),
    }
}
