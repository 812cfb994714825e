//! Members' pages: `/membership/card-payments` (pay what is due by card, agreeing or
//! not to renewals being charged; the saved card, replaced through
//! Stripe's page; consents withdrawn; monthly gifts) and `/donate` (an
//! amount the donor types, to the association or a project, once or
//! monthly). Stripe's pages are reached by a 303; a refusal renders the
//! page again with an error status, so nothing started is kept.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::checkout::{self, Payer};
use super::gifts::{self, GiftRequest};
use super::{CardError, CardPayments, keys, store};
use crate::accounts::Account;
use crate::accounts::pages::current_account;
use crate::auth::{RequestAuth, SignedIn};
use crate::contributions::earmarks;
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::Amount;
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const HOME: &str = "/membership/card-payments";

#[derive(Serialize, Default)]
struct CardPage {
    enabled: bool,
    due: Option<String>,
    plans: Vec<String>,
    consent_wording: String,
    card: Option<store::SavedCard>,
    consents: Vec<ConsentLine>,
    gifts: Vec<GiftLine>,
    notice: String,
    error: String,
    csrf_token: String,
}

#[derive(Serialize)]
struct ConsentLine {
    id: i64,
    wording: String,
    since: String,
}

#[derive(Serialize)]
struct GiftLine {
    amount: String,
    next_on: String,
    consent_id: i64,
}

#[derive(Deserialize, Default)]
pub struct Back {
    paid: Option<String>,
    cancelled: Option<String>,
    updated: Option<String>,
}

async fn card_page(
    tx: &mut TenantTx,
    account: &Account,
    csrf: &str,
    locale: &str,
) -> Result<CardPage, AppError> {
    let dues = checkout::owed(tx, account.id).await?;
    let total = checkout::to_pay(dues.iter())
        .ok()
        .flatten()
        .map(|(total, _)| total);
    let mut plans: Vec<String> = dues.iter().map(|d| d.plan_name.clone()).collect();
    plans.dedup();
    let day = |at: chrono::DateTime<chrono::Utc>| {
        crate::contributions::pages::day(at.date_naive(), locale)
    };
    Ok(CardPage {
        enabled: keys::status(tx).await?.is_some(),
        due: total.map(|a| a.format(locale)),
        plans,
        consent_wording: super::consent_wording(locale, &tx.tenant().name),
        card: store::customer(tx, account.id)
            .await?
            .filter(|c| c.payment_method.is_some()),
        consents: store::consents(tx, account.id)
            .await?
            .into_iter()
            .map(|c| ConsentLine {
                id: c.id,
                wording: c.wording,
                since: day(c.granted_at),
            })
            .collect(),
        gifts: gifts::live(tx, Some(account.id), None)
            .await?
            .into_iter()
            .map(|g| GiftLine {
                amount: g.amount.format(locale),
                next_on: crate::contributions::pages::day(g.next_on, locale),
                consent_id: g.consent_id,
            })
            .collect(),
        notice: String::new(),
        error: String::new(),
        csrf_token: csrf.to_owned(),
    })
}

/// `GET /membership/card-payments`.
pub async fn show(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Query(back): Query<Back>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let mut data = card_page(&mut tx, &account, auth.csrf.value(), view.locale).await?;
    data.notice = match (back.paid, back.cancelled, back.updated) {
        (Some(_), _, _) => "card-payments-back-paid",
        (_, Some(_), _) => "card-payments-back-cancelled",
        (_, _, Some(_)) => "card-payments-back-updated",
        _ => "",
    }
    .to_owned();
    Ok(themes
        .private_page(&tx, &view, "card_payments/card.html", StatusCode::OK, &data)
        .await?)
}

#[derive(Deserialize, Default)]
pub struct PayForm {
    #[serde(default)]
    renew: String,
}

/// A refusal, or Stripe out of reach (502), is told on the page with its
/// status; a failure of ours goes to the error page.
fn for_the_page(error: AppError) -> Result<(AppError, StatusCode), AppError> {
    let status = error.problem().status;
    if status.is_server_error() && status != StatusCode::BAD_GATEWAY {
        return Err(error);
    }
    Ok((error, status))
}

/// The card page again with what went wrong (an error status: what the
/// request started is rolled back).
async fn refused(
    themes: &Themes,
    view: &PageView,
    mut tx: TenantTx,
    (account, csrf): (&Account, &str),
    error: CardError,
) -> Result<Response, AppError> {
    let (error, status) = for_the_page(error.into())?;
    let mut data = card_page(&mut tx, account, csrf, view.locale).await?;
    data.error = error.to_string();
    Ok(themes
        .private_page(&tx, view, "card_payments/card.html", status, &data)
        .await?)
}

/// `POST /membership/card-payments/pay`: to Stripe's page for what is due.
pub async fn pay(
    State(themes): State<Themes>,
    State(service): State<CardPayments>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<PayForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let payer = Payer::from(&account);
    let plans: Vec<i64> = match form.renew.as_str() {
        "yes" => checkout::owed(&mut tx, account.id)
            .await?
            .iter()
            .map(|d| d.plan_id)
            .collect(),
        _ => Vec::new(),
    };
    let wording = super::consent_wording(payer.locale, &tx.tenant().name);
    match checkout::pay_dues(&mut tx, &service, &payer, &plans, &wording).await {
        Ok(started) => Ok(Redirect::to(&started.redirect_url).into_response()),
        Err(error) => refused(&themes, &view, tx, (&account, auth.csrf.value()), error).await,
    }
}

/// `POST /membership/card-payments/update`: to Stripe's page for a new card.
pub async fn update(
    State(themes): State<Themes>,
    State(service): State<CardPayments>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    match super::update_page(&mut tx, &service, &Payer::from(&account)).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(error) => refused(&themes, &view, tx, (&account, auth.csrf.value()), error).await,
    }
}

/// `POST /membership/card-payments/consents/{id}/withdraw`.
pub async fn withdraw(
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    if !store::withdraw(&mut tx, account.id, id).await? {
        return Err(AppError::NotFound);
    }
    let flash = Flash::new(FlashKind::Success, "card-payments-withdrawn");
    Ok(redirect_with(HOME, Some(flash)))
}

#[derive(Serialize, Default)]
struct DonatePage {
    enabled: bool,
    currency: String,
    projects: Vec<earmarks::Target>,
    form: DonateForm,
    wording: String,
    error: String,
    csrf_token: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DonateForm {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    project_id: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    accept: String,
}

async fn donate_page(
    tx: &mut TenantTx,
    form: DonateForm,
    csrf: &str,
    locale: &str,
) -> Result<DonatePage, AppError> {
    Ok(DonatePage {
        enabled: keys::status(tx).await?.is_some(),
        currency: settings::get(tx).await?.currency.code().to_owned(),
        projects: earmarks::targets(tx).await?,
        form,
        wording: super::gift_wording(locale, &tx.tenant().name),
        error: String::new(),
        csrf_token: csrf.to_owned(),
    })
}

#[derive(Deserialize, Default)]
pub struct Preselect {
    project: Option<String>,
}

/// `GET /donate` (`?project=ID` from a project's page chooses it).
pub async fn donate_form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(_): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Query(pre): Query<Preselect>,
) -> Result<Response, AppError> {
    let form = DonateForm {
        frequency: "once".into(),
        project_id: pre.project.unwrap_or_default(),
        ..DonateForm::default()
    };
    let data = donate_page(&mut tx, form, auth.csrf.value(), view.locale).await?;
    Ok(themes
        .private_page(
            &tx,
            &view,
            "card_payments/donate.html",
            StatusCode::OK,
            &data,
        )
        .await?)
}

fn gift_request(
    form: &DonateForm,
    currency: crate::model::Currency,
) -> Result<GiftRequest, AppError> {
    let typed = form
        .amount
        .trim()
        .replace(',', ".")
        .replace([' ', '\u{a0}', '€'], "");
    let amount = Amount::parse(&typed, currency).map_err(|_| {
        AppError::Unprocessable("amount: type an amount such as 25 or 12.50".into())
    })?;
    let project_id = match form.project_id.trim() {
        "" => None,
        id => Some(
            id.parse::<i64>()
                .map_err(|_| AppError::Unprocessable("project_id: not a project".into()))?,
        ),
    };
    let monthly = form.frequency == "monthly";
    if monthly && form.accept != "yes" {
        return Err(AppError::Unprocessable(
            "accept: a monthly gift needs your authorisation".into(),
        ));
    }
    Ok(GiftRequest {
        amount,
        project_id,
        monthly,
    })
}

/// `POST /donate`: to Stripe's page for the gift.
pub async fn donate(
    State(themes): State<Themes>,
    State(service): State<CardPayments>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<DonateForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let currency = settings::get(&mut tx).await?.currency;
    let started = match gift_request(&form, currency) {
        Ok(request) => {
            let wording = super::gift_wording(view.locale, &tx.tenant().name);
            gifts::give(
                &mut tx,
                &service,
                &Payer::from(&account),
                &request,
                &wording,
            )
            .await
            .map_err(AppError::from)
        }
        Err(error) => Err(error),
    };
    let error = match started {
        Ok(started) => return Ok(Redirect::to(&started.redirect_url).into_response()),
        Err(error) => error,
    };
    let (error, status) = for_the_page(error)?;
    let mut data = donate_page(&mut tx, form, auth.csrf.value(), view.locale).await?;
    data.error = error.to_string();
    Ok(themes
        .private_page(&tx, &view, "card_payments/donate.html", status, &data)
        .await?)
}
