//! `/membership`: one's memberships (as member or as payer) with status,
//! dates, amounts and a renew button when renewable; one's balance and
//! ledger; the payments one made; one's receipts (downloaded from
//! `/membership/receipts/{id}.pdf`); the households one pays for or
//! belongs to. `/membership/renew` renews one of them (and, renewing as
//! the payer, the rest of the household). Only one's own rows are read:
//! someone else's membership id gets a 404.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Money, day, redirect_with, render, success, until};
use crate::accounts::pages::current_account;
use crate::auth::{RequestAuth, SignedIn};
use crate::contributions::error::Error;
use crate::contributions::memberships::{self, MembershipView};
use crate::contributions::{households, ledger, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind};
use crate::web::form::Form;

#[derive(Serialize)]
struct Card {
    id: i64,
    member: String,
    plan: String,
    period: &'static str,
    starts_on: String,
    ends_on: Option<String>,
    amount: Money,
    paid: Money,
    due: Money,
    status: &'static str,
    payment_pending: bool,
    renewable: bool,
    i_pay: bool,
}

impl Card {
    fn new(m: &MembershipView, me: i64, locale: &str) -> Self {
        Self {
            id: m.id,
            member: m.member_name.clone(),
            plan: m.plan_name.clone(),
            period: m.period.as_str(),
            starts_on: day(m.starts_on, locale),
            ends_on: until(m.ends_on, locale),
            amount: Money::new(m.amount, locale),
            paid: Money::new(m.paid, locale),
            due: Money::new(m.due, locale),
            status: m.status.as_str(),
            payment_pending: m.payment_pending,
            renewable: m.renewable && !m.renewed && renewal_time(m.ends_on),
            i_pay: m.payer_id == me,
        }
    }
}

/// Renewing is offered from two months before the end of a period (the
/// earliest reminders come a month before), never for a period that has
/// only just begun.
fn renewal_time(ends_on: Option<NaiveDate>) -> bool {
    let soon = memberships::today().checked_add_days(chrono::Days::new(60));
    matches!((ends_on, soon), (Some(end), Some(soon)) if end <= soon)
}

#[derive(Serialize)]
struct HistoryLine {
    at: DateTime<Utc>,
    kind: &'static str,
    memo: String,
    amount: Money,
    balance: Money,
}

#[derive(Serialize)]
struct PaymentLine {
    received_on: String,
    amount: Money,
    method: String,
    status: String,
    reference: Option<String>,
}

#[derive(Serialize)]
struct ReceiptLine {
    id: i64,
    label: String,
    amount: Money,
    issued_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct HouseholdLine {
    name: String,
    payer: String,
    i_pay: bool,
    members: Vec<String>,
}

#[derive(Serialize)]
struct MinePage<'a> {
    csrf: &'a str,
    memberships: Vec<Card>,
    balance: Money,
    owes: bool,
    history: Vec<HistoryLine>,
    payments: Vec<PaymentLine>,
    receipts: Vec<ReceiptLine>,
    households: Vec<HouseholdLine>,
}

fn money(minor: i64, currency: &str, locale: &str) -> Money {
    let currency = Currency::parse(currency).unwrap_or_default();
    Money::new(
        Amount::new(minor, currency).unwrap_or(Amount::zero(currency)),
        locale,
    )
}

/// The payments `payer_id` made, newest first.
async fn payments_of(
    tx: &mut TenantTx,
    payer_id: i64,
    locale: &str,
) -> Result<Vec<PaymentLine>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT received_on, amount_minor, currency, method, status, reference FROM payments
         WHERE payer_id = $1 ORDER BY created_at DESC, id DESC LIMIT 100",
        payer_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PaymentLine {
            received_on: day(r.received_on, locale),
            amount: money(r.amount_minor, &r.currency, locale),
            method: r.method,
            status: r.status,
            reference: r.reference,
        })
        .collect())
}

/// The live receipts of `account_id`, newest first.
async fn receipts_of(
    tx: &mut TenantTx,
    account_id: i64,
    locale: &str,
) -> Result<Vec<ReceiptLine>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, year, number, amount_minor, currency, issued_at FROM receipts
         WHERE account_id = $1 AND cancelled_at IS NULL ORDER BY issued_at DESC, id DESC LIMIT 100",
        account_id
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ReceiptLine {
            id: r.id,
            label: format!("{}-{:05}", r.year, r.number),
            amount: money(r.amount_minor, &r.currency, locale),
            issued_at: r.issued_at,
        })
        .collect())
}

pub async fn page(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    let locale = view.locale;
    let currency = settings::get(&mut tx).await?.currency;
    let balance = ledger::balance(&mut tx, me, currency).await?;
    let memberships = memberships::for_account(&mut tx, me).await?;
    let history = ledger::history(&mut tx, me)
        .await?
        .into_iter()
        .rev()
        .take(100)
        .map(|e| HistoryLine {
            at: e.at,
            kind: e.kind.as_str(),
            memo: e.memo,
            amount: Money::new(e.amount, locale),
            balance: Money::new(e.balance, locale),
        })
        .collect();
    let households = households::for_account(&mut tx, me)
        .await?
        .into_iter()
        .map(|h| HouseholdLine {
            i_pay: h.payer_id == me,
            name: h.name,
            payer: h.payer_name,
            members: h.members.into_iter().map(|m| m.display_name).collect(),
        })
        .collect();
    let page = MinePage {
        csrf: auth.csrf.value(),
        memberships: memberships
            .iter()
            .map(|m| Card::new(m, me, locale))
            .collect(),
        owes: balance.is_positive(),
        balance: Money::new(balance, locale),
        history,
        payments: payments_of(&mut tx, me, locale).await?,
        receipts: receipts_of(&mut tx, me, locale).await?,
        households,
    };
    render(
        &themes,
        &tx,
        &view,
        "membership/mine.html",
        StatusCode::OK,
        &page,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct RenewForm {
    #[serde(default)]
    membership: String,
}

#[derive(Serialize)]
struct RenewPage<'a> {
    csrf: &'a str,
    membership: Card,
    action: String,
}

/// One's own membership, or 404 (someone else's looks like no one's).
async fn own(tx: &mut TenantTx, me: i64, id: &str) -> Result<MembershipView, AppError> {
    let id: i64 = id.trim().parse().map_err(|_| AppError::NotFound)?;
    match memberships::find(tx, id).await? {
        Some(m) if m.payer_id == me || m.account_id == me => Ok(m),
        _ => Err(AppError::NotFound),
    }
}

pub async fn renew_form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Query(form): Query<RenewForm>,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    let membership = own(&mut tx, me, &form.membership).await?;
    let page = RenewPage {
        csrf: auth.csrf.value(),
        membership: Card::new(&membership, me, view.locale),
        action: "/membership/renew".into(),
    };
    render(
        &themes,
        &tx,
        &view,
        "membership/renew.html",
        StatusCode::OK,
        &page,
    )
    .await
}

pub async fn renew(
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
    Form(form): Form<RenewForm>,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    let membership = own(&mut tx, me, &form.membership).await?;
    renew_as(&mut tx, &membership, me, memberships::today()).await
}

/// Renews `membership` for `by`; a period already renewed or not renewable
/// is said so on the membership page.
async fn renew_as(
    tx: &mut TenantTx,
    membership: &MembershipView,
    by: i64,
    on: NaiveDate,
) -> Result<Response, AppError> {
    match memberships::renew(tx, membership.id, by, false, on).await {
        Ok(_) => Ok(redirect_with(
            "/membership/pay",
            success("membership-flash-renewed"),
        )),
        Err(Error::Conflict { .. }) => {
            let flash = Flash::new(FlashKind::Error, "membership-flash-not-renewable");
            Ok(redirect_with("/membership", Some(flash)))
        }
        Err(error) => Err(error.into()),
    }
}
