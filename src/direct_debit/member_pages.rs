//! `/membership/direct-debit`: a member's mandates (reference, account,
//! status) and the mandate form with its legal wording; starting one mails
//! a code, typed on `/membership/direct-debit/{id}/confirm` to sign. A
//! member may cancel their own. Someone else's mandate id is a 404.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::mandates::{self, Kind, Mandate, MandateStatus, NewMandate};
use super::settings::{self, Creditor};
use super::{MandateView, collections, signing, view_of};
use crate::accounts::pages::current_account;
use crate::api::json::keeping_writes;
use crate::auth::{RequestAuth, SignedIn};
use crate::db::TenantTx;
use crate::error::{AppError, Refusal};
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::flash::{Flash, FlashKind, redirect_with};
use crate::web::form::Form;

const HOME: &str = "/membership/direct-debit";

#[derive(Serialize)]
struct MemberPage {
    creditor: Option<Creditor>,
    mandates: Vec<MandateView>,
    debits: Vec<MyDebit>,
    form: MandateForm,
    error_field: String,
    error_text: String,
    csrf_token: String,
}

/// One of the member's debits: when, how much, where it stands.
#[derive(Serialize)]
struct MyDebit {
    date: String,
    amount: String,
    reference: String,
    status: &'static str,
}

/// The form as typed (prefilled from the account the first time).
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct MandateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    debtor_name: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    post_code: String,
    #[serde(default)]
    town: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    iban: String,
    #[serde(default)]
    bic: String,
    #[serde(default)]
    signed_place: String,
    #[serde(default)]
    accept: String,
}

impl MandateForm {
    fn new_mandate(&self) -> Result<NewMandate, Refusal> {
        if self.accept != "yes" {
            return Err(Refusal::invalid(
                "accept",
                "accept",
                "read and accept the mandate",
            ));
        }
        let kind = self
            .kind
            .parse::<Kind>()
            .map_err(|_| Refusal::invalid("kind", "kind", "recurrent or one-off"))?;
        Ok(NewMandate {
            kind,
            debtor_name: self.debtor_name.clone(),
            street: self.street.clone(),
            building: self.building.clone(),
            post_code: self.post_code.clone(),
            town: self.town.clone(),
            country: self.country.clone(),
            iban: self.iban.clone(),
            bic: Some(self.bic.clone()),
            signed_place: self.signed_place.clone(),
        })
    }
}

async fn page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    me: i64,
    form: MandateForm,
    locale: &str,
) -> Result<MemberPage, AppError> {
    let creditor = settings::load(tx).await?;
    let mine = mandates::list(tx, Some(me), None, 50).await?;
    let filter = collections::Filter {
        account_id: Some(me),
        limit: 24,
        ..collections::Filter::default()
    };
    let debits = collections::list(tx, &filter).await?;
    Ok(MemberPage {
        creditor,
        mandates: mine.iter().map(|m| view_of(m, locale)).collect(),
        debits: debits
            .into_iter()
            .map(|d| MyDebit {
                date: crate::contributions::pages::day(d.due_on, locale),
                amount: Amount::new(d.amount_minor, Currency::EUR)
                    .map(|a| a.format(locale))
                    .unwrap_or_default(),
                reference: d.mandate_reference,
                status: d.status.as_str(),
            })
            .collect(),
        form,
        error_field: String::new(),
        error_text: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// `GET /membership/direct-debit`.
pub async fn show(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let form = MandateForm {
        kind: Kind::Recurrent.as_str().to_owned(),
        debtor_name: account.display_name.clone(),
        street: account.address.street.clone().unwrap_or_default(),
        post_code: account.address.postal_code.clone().unwrap_or_default(),
        town: account.address.town.clone().unwrap_or_default(),
        country: account
            .address
            .country
            .clone()
            .unwrap_or_else(|| "FR".to_owned()),
        ..MandateForm::default()
    };
    let data = page(&mut tx, &auth, account.id, form, view.locale).await?;
    let template = "direct_debit/member.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &data)
        .await?)
}

/// `POST /membership/direct-debit`: starts a mandate and mails the code.
pub async fn start(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<MandateForm>,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    let started = match form.new_mandate() {
        Ok(new) => signing::start(&mut tx, view.locale, me, new).await,
        Err(refusal) => Err(refusal),
    };
    let refusal = match started {
        Ok(mandate) => {
            let flash = Flash::new(FlashKind::Success, "direct-debit-code-sent");
            return Ok(redirect_with(
                &format!("{HOME}/{}/confirm", mandate.id),
                Some(flash),
            ));
        }
        Err(Refusal::Database(error)) => return Err(error.into()),
        Err(refusal) => refusal,
    };
    let mut data = page(&mut tx, &auth, me, form, view.locale).await?;
    data.error_field = refusal.field().unwrap_or("form").to_owned();
    data.error_text = refusal.to_string();
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(themes
        .private_page(&tx, &view, "direct_debit/member.html", status, &data)
        .await?)
}

#[derive(Serialize)]
struct ConfirmPage {
    mandate: MandateView,
    error: String,
    csrf_token: String,
}

async fn own_unsigned(tx: &mut TenantTx, me: i64, id: i64) -> Result<Mandate, AppError> {
    match mandates::find(tx, id).await? {
        Some(m) if m.account_id == me && m.status == MandateStatus::Unsigned => Ok(m),
        _ => Err(AppError::NotFound),
    }
}

/// `GET /membership/direct-debit/{id}/confirm`.
pub async fn confirm_form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    let mandate = own_unsigned(&mut tx, me, id).await?;
    let data = ConfirmPage {
        mandate: view_of(&mandate, view.locale),
        error: String::new(),
        csrf_token: auth.csrf.value().to_owned(),
    };
    let template = "direct_debit/confirm.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &data)
        .await?)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /membership/direct-debit/{id}/confirm`: a wrong code is counted
/// (the page answers 422 and the count stands); an expired one sends the
/// member back to start again.
pub async fn confirm(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    let mandate = own_unsigned(&mut tx, me, id).await?;
    let today = crate::contributions::memberships::today();
    match mandates::confirm(&mut tx, me, id, &form.code, today).await {
        Ok(_) => {
            let flash = Flash::new(FlashKind::Success, "direct-debit-flash-signed");
            Ok(redirect_with(HOME, Some(flash)))
        }
        Err(Refusal::Invalid { .. }) => {
            let data = ConfirmPage {
                mandate: view_of(&mandate, view.locale),
                error: "direct-debit-wrong-code".to_owned(),
                csrf_token: auth.csrf.value().to_owned(),
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let page = themes
                .private_page(&tx, &view, "direct_debit/confirm.html", status, &data)
                .await?;
            Ok(keeping_writes(page))
        }
        Err(Refusal::Conflict { .. }) => {
            let flash = Flash::new(FlashKind::Error, "direct-debit-code-expired");
            Ok(redirect_with(HOME, Some(flash)))
        }
        Err(refusal) => Err(refusal.into()),
    }
}

/// `POST /membership/direct-debit/{id}/cancel`.
pub async fn cancel(
    SignedIn(principal): SignedIn,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let me = current_account(&mut tx, &principal).await?.id;
    match mandates::find(&mut tx, id).await? {
        Some(m) if m.account_id == me => {}
        _ => return Err(AppError::NotFound),
    }
    let flash = match mandates::cancel(&mut tx, id, "cancelled by the member", Some(me)).await {
        Ok(_) => Flash::new(FlashKind::Success, "direct-debit-cancelled"),
        Err(Refusal::Conflict { .. }) => Flash::new(FlashKind::Error, "direct-debit-ended"),
        Err(refusal) => return Err(refusal.into()),
    };
    Ok(redirect_with(HOME, Some(flash)))
}
