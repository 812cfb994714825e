//! `/treasury/card-payments`: the association's Stripe keys (an admin
//! enters them; only their hint is ever shown again) and the address to
//! give Stripe for webhooks; the card payments lately taken, each with a
//! refund form; the monthly gifts running; and the events Stripe sent,
//! with what each did.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::events::{self, EventView};
use super::keys::{self, KeyStatus, NewKeys};
use super::{CardError, CardPayments, gifts, refunds, store};
use crate::auth::{Admin, RequestAuth, RequireRole, Treasurer};
use crate::contributions::payments;
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::model::Amount;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const HOME: &str = "/treasury/card-payments";
const TEMPLATE: &str = "card_payments/treasury.html";

#[derive(Serialize)]
struct TreasuryPage {
    keys: Option<KeyStatus>,
    webhook_url: String,
    payments: Vec<CardLine>,
    gifts: Vec<GiftLine>,
    events: Vec<EventView>,
    error_field: String,
    error_text: String,
    csrf_token: String,
}

#[derive(Serialize)]
struct CardLine {
    id: i64,
    payer: String,
    amount: String,
    refunded: String,
    status: &'static str,
    day: String,
    refundable: bool,
    /// What is left to refund, as typed in the form.
    left: String,
}

#[derive(Serialize)]
struct GiftLine {
    account_id: i64,
    amount: String,
    next_on: String,
}

async fn page(
    tx: &mut TenantTx,
    service: &CardPayments,
    csrf: &str,
    locale: &str,
) -> Result<TreasuryPage, AppError> {
    let mut lines = Vec::new();
    for id in store::recent_payments(tx, 50).await? {
        let Some(p) = payments::find(tx, id).await? else {
            continue;
        };
        let left = Amount::new(p.amount.minor() - p.refunded.minor(), p.amount.currency());
        lines.push(CardLine {
            id: p.id,
            payer: p.payer_name.clone(),
            amount: p.amount.format(locale),
            refunded: p.refunded.format(locale),
            status: p.status.as_str(),
            day: crate::contributions::pages::day(p.received_on, locale),
            refundable: p.status == crate::contributions::PaymentStatus::Paid,
            left: left.map(|a| a.decimal()).unwrap_or_default(),
        });
    }
    let tenant = tx.tenant().clone();
    Ok(TreasuryPage {
        keys: keys::status(tx).await?,
        webhook_url: service.link(&tenant, "/api/v1/webhooks/stripe"),
        payments: lines,
        gifts: gifts::live(tx, None, None)
            .await?
            .into_iter()
            .map(|g| GiftLine {
                account_id: g.account_id,
                amount: g.amount.format(locale),
                next_on: crate::contributions::pages::day(g.next_on, locale),
            })
            .collect(),
        events: events::recent(tx, 30).await?,
        error_field: String::new(),
        error_text: String::new(),
        csrf_token: csrf.to_owned(),
    })
}

/// `GET /treasury/card-payments`.
pub async fn show(
    State(themes): State<Themes>,
    State(service): State<CardPayments>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = page(&mut tx, &service, auth.csrf.value(), view.locale).await?;
    Ok(themes
        .private_page(&tx, &view, TEMPLATE, StatusCode::OK, &data)
        .await?)
}

#[derive(Deserialize)]
pub struct KeysForm {
    #[serde(default)]
    secret_key: String,
    #[serde(default)]
    webhook_secret: String,
}

async fn with_error(
    themes: &Themes,
    service: &CardPayments,
    (view, auth): (&PageView, &RequestAuth),
    mut tx: TenantTx,
    error: CardError,
) -> Result<Response, AppError> {
    let (field, error) = match error {
        CardError::Refused(Refusal::Database(e)) => return Err(e.into()),
        CardError::Refused(refusal) => (refusal.field().unwrap_or("form"), AppError::from(refusal)),
        other => ("form", AppError::from(other)),
    };
    let status = error.problem().status;
    let mut data = page(&mut tx, service, auth.csrf.value(), view.locale).await?;
    data.error_field = field.to_owned();
    data.error_text = error.to_string();
    Ok(themes
        .private_page(&tx, view, TEMPLATE, status, &data)
        .await?)
}

/// `POST /treasury/card-payments`: keys tried against Stripe, then saved.
pub async fn save(
    State(themes): State<Themes>,
    State(service): State<CardPayments>,
    guard: RequireRole<Admin>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<KeysForm>,
) -> Result<Response, AppError> {
    let new = NewKeys {
        secret_key: SecretString::from(form.secret_key),
        webhook_secret: SecretString::from(form.webhook_secret),
    };
    let by = guard.principal().account_id;
    match keys::save(&mut tx, &service, new, by).await {
        Ok(_) => {
            let flash = Flash::new(FlashKind::Success, "flash-saved");
            Ok(redirect_with(HOME, Some(flash)))
        }
        Err(refusal) => with_error(&themes, &service, (&view, &auth), tx, refusal.into()).await,
    }
}

/// `POST /treasury/card-payments/remove`: card payments off.
pub async fn remove(guard: RequireRole<Admin>, mut tx: TenantTx) -> Result<Response, AppError> {
    keys::remove(&mut tx, guard.principal().account_id).await?;
    let flash = Flash::new(FlashKind::Success, "card-payments-removed");
    Ok(redirect_with(HOME, Some(flash)))
}

#[derive(Deserialize)]
pub struct RefundForm {
    #[serde(default)]
    payment_id: i64,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
}

/// `POST /treasury/card-payments/refund`.
pub async fn refund(
    State(themes): State<Themes>,
    State(service): State<CardPayments>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<RefundForm>,
) -> Result<Response, AppError> {
    let id = form.payment_id;
    let payment = payments::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let typed = form.amount.trim().replace(',', ".");
    let Ok(amount) = Amount::parse(&typed, payment.amount.currency()) else {
        let refusal = Refusal::invalid("amount", "amount", "type an amount such as 12.50");
        return with_error(&themes, &service, (&view, &auth), tx, refusal.into()).await;
    };
    let by = guard.principal().account_id;
    match refunds::refund(&mut tx, &service, id, amount, &form.reason, by).await {
        Ok(_) => {
            let flash = Flash::new(FlashKind::Success, "card-payments-refunded");
            Ok(redirect_with(HOME, Some(flash)))
        }
        Err(error) => with_error(&themes, &service, (&view, &auth), tx, error).await,
    }
}
