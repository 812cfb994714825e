//! « Record a payment » (`/treasury/payments/new`), made for the keyboard:
//! the search field has the focus, Enter searches; each match is a link
//! to the form with the payer chosen; the form's fields follow in reading
//! order and Enter records. Cash, cheque (its number is required, the bank
//! optional), transfer (with its reference), card or other; the amount as
//! typed (`12,50`), the date received, a note, and which of the payer's
//! open memberships it pays (by default the oldest dues first).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::plan_form::money_key;
use super::search::{self, Match};
use super::{Choice, Errors, optional, render};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::{Method, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};
use crate::web::extract::Query;
use crate::web::form::Form;

/// The methods a treasurer records by hand (`online` is the providers').
const METHODS: [&str; 5] = ["cash", "cheque", "transfer", "card", "other"];

#[derive(Debug, Default, Deserialize)]
pub struct Pick {
    #[serde(default)]
    q: String,
    #[serde(default)]
    payer: String,
}

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Values {
    pub payer: String,
    pub method: String,
    pub amount: String,
    pub received_on: String,
    pub cheque_number: String,
    pub cheque_bank: String,
    pub reference: String,
    pub note: String,
    /// Membership ids ticked (`memberships=1&memberships=2` comes as
    /// repeated fields; read by hand, see [`Values::from_fields`]).
    #[serde(skip)]
    pub memberships: Vec<i64>,
}

impl Values {
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        Self {
            payer: get("payer"),
            method: get("method"),
            amount: get("amount"),
            received_on: get("received_on"),
            cheque_number: get("cheque_number"),
            cheque_bank: get("cheque_bank"),
            reference: get("reference"),
            note: get("note"),
            memberships: fields
                .iter()
                .filter(|(key, _)| key == "memberships")
                .filter_map(|(_, value)| value.parse().ok())
                .collect(),
        }
    }
}

/// A payment ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub payer_id: i64,
    pub method: Method,
    pub amount: Amount,
    pub received_on: NaiveDate,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub memberships: Vec<i64>,
}

/// Checks every field; nothing is written unless all are right.
pub fn check(
    values: &Values,
    payer: Option<&Match>,
    currency: Currency,
) -> Result<Checked, Errors> {
    let mut errors = Errors::default();
    if payer.is_none() {
        errors.add("payer", "treasury-error-required");
    }
    let method = values
        .method
        .parse::<Method>()
        .ok()
        .filter(|m| METHODS.contains(&m.as_str()));
    if method.is_none() {
        errors.add("method", "treasury-error-required");
    }
    let amount = match Amount::parse(&values.amount, currency) {
        Ok(amount) if amount.is_positive() => Some(amount),
        Ok(_) => {
            errors.add("amount", "treasury-error-positive");
            None
        }
        Err(_) if values.amount.trim().is_empty() => {
            errors.add("amount", "treasury-error-required");
            None
        }
        Err(error) => {
            errors.add("amount", money_key(error));
            None
        }
    };
    let received_on = NaiveDate::parse_from_str(values.received_on.trim(), "%Y-%m-%d").ok();
    if received_on.is_none() {
        errors.add("received_on", "treasury-error-not-a-date");
    }
    let cheque_number = optional(&values.cheque_number);
    let cheque_bank = optional(&values.cheque_bank);
    if method == Some(Method::Cheque) && cheque_number.is_none() {
        errors.add("cheque_number", "treasury-error-cheque-number");
    }
    let limits = [
        ("cheque_number", &cheque_number, 40),
        ("cheque_bank", &cheque_bank, 80),
        ("reference", &optional(&values.reference), 35),
        ("note", &optional(&values.note), 1000),
    ];
    for (field, value, max) in limits {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.add(field, "treasury-error-too-long");
        }
    }
    match (payer, method, amount, received_on) {
        (Some(payer), Some(method), Some(amount), Some(received_on)) if errors.is_empty() => {
            let cheque = method == Method::Cheque;
            Ok(Checked {
                payer_id: payer.id,
                method,
                amount,
                received_on,
                cheque_number: cheque_number.filter(|_| cheque),
                cheque_bank: cheque_bank.filter(|_| cheque),
                reference: optional(&values.reference),
                note: optional(&values.note),
                memberships: values.memberships.clone(),
            })
        }
        _ => Err(errors),
    }
}

/// An open membership the payment may pay.
#[derive(Debug, Clone, Serialize)]
pub struct Open {
    pub id: i64,
    pub member_name: String,
    pub plan_name: String,
    pub starts_on: NaiveDate,
    pub due: String,
    pub checked: bool,
}

#[derive(Serialize)]
struct RecordPage {
    q: String,
    matches: Vec<Match>,
    payer: Option<Match>,
    open: Vec<Open>,
    values: Values,
    errors: Errors,
    summary: Vec<String>,
    methods: Vec<Choice>,
    currency: String,
    csrf_token: String,
}

const TEMPLATE: &str = "treasury/record.html";

async fn payer_of(tx: &mut TenantTx, text: &str) -> Result<Option<Match>, sqlx::Error> {
    match text.trim().parse::<i64>() {
        Ok(id) => search::one(tx, id).await,
        Err(_) => Ok(None),
    }
}

/// `GET /treasury/payments/new?q=&payer=`.
pub async fn form(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let payer = payer_of(&mut tx, &pick.payer).await?;
    let values = Values {
        payer: payer.as_ref().map(|p| p.id.to_string()).unwrap_or_default(),
        method: "cash".into(),
        received_on: chrono::Utc::now().date_naive().to_string(),
        ..Values::default()
    };
    let data = page(&mut tx, &auth, pick.q, payer, values, Errors::default()).await?;
    render(&themes, &tx, &view, TEMPLATE, StatusCode::OK, &data).await
}

async fn page(
    tx: &mut TenantTx,
    auth: &RequestAuth,
    q: String,
    payer: Option<Match>,
    values: Values,
    errors: Errors,
) -> Result<RecordPage, AppError> {
    let currency = settings::get(tx).await?.currency;
    let open = match &payer {
        Some(payer) => open_memberships(tx, payer.id, &values.memberships).await?,
        None => Vec::new(),
    };
    Ok(RecordPage {
        matches: search::members(tx, &q).await?,
        q,
        payer,
        open,
        summary: errors.keys().into_iter().map(str::to_owned).collect(),
        values,
        errors,
        methods: Choice::words(&METHODS, "treasury-method-"),
        currency: currency.code().to_owned(),
        csrf_token: auth.csrf.value().to_owned(),
    })
}

/// The payer's memberships with something left to pay, oldest first.
async fn open_memberships(
    _tx: &mut TenantTx,
    _payer_id: i64,
    _checked: &[i64],
) -> Result<Vec<Open>, AppError> {
    Ok(Vec::new())
}

/// `POST /treasury/payments/new`.
pub async fn submit(
    State(themes): State<Themes>,
    _guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = Values::from_fields(&fields);
    let payer = payer_of(&mut tx, &values.payer).await?;
    let currency = settings::get(&mut tx).await?.currency;
    let errors = match check(&values, payer.as_ref(), currency) {
        Ok(_checked) => {
            return Err(AppError::Internal("payments are not recorded yet".into()));
        }
        Err(errors) => errors,
    };
    let data = page(&mut tx, &auth, String::new(), payer, values, errors).await?;
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(&themes, &tx, &view, TEMPLATE, status, &data).await
}
