//! Households: the list, a new one (search the payer, then name it), and a
//! household's page where people are added (searched by name or address)
//! or removed. The payer is always a member and cannot be removed; a
//! person may belong to several households.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::search::{self, Match};
use super::{Errors, done, error_key, render};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::Error;
use crate::contributions::households::{self, Household};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::{Path, Query};
use crate::web::flash::FlashKind;
use crate::web::form::Form;

#[derive(Serialize)]
struct ListPage {
    households: Vec<Household>,
}

/// `GET /treasury/households`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let data = ListPage {
        households: households::list(&mut tx).await?,
    };
    let template = "treasury/households.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

/// `?q=` (a search) and `?payer=` (the chosen payer).
#[derive(Debug, Default, Deserialize)]
pub struct Pick {
    #[serde(default)]
    q: String,
    #[serde(default)]
    payer: String,
}

#[derive(Serialize)]
struct NewPage {
    q: String,
    matches: Vec<Match>,
    payer: Option<Match>,
    name: String,
    errors: Errors,
    csrf_token: String,
}

const NEW: &str = "treasury/household_new.html";

/// `GET /treasury/households/new?q=&payer=`.
pub async fn new_form(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let payer = match pick.payer.parse::<i64>() {
        Ok(id) => search::one(&mut tx, id).await?,
        Err(_) => None,
    };
    let data = NewPage {
        matches: search::members(&mut tx, &pick.q).await?,
        name: payer.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
        q: pick.q,
        payer,
        errors: Errors::default(),
        csrf_token: auth.csrf.value().to_owned(),
    };
    render(&themes, &tx, &view, NEW, StatusCode::OK, &data).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    payer: String,
}

/// `POST /treasury/households/new`.
pub async fn create(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<NewForm>,
) -> Result<Response, AppError> {
    let payer = match form.payer.parse::<i64>() {
        Ok(id) => search::one(&mut tx, id).await?,
        Err(_) => None,
    };
    let mut errors = Errors::default();
    if let Some(payer) = &payer {
        let by = guard.principal().account_id;
        match households::create(&mut tx, &form.name, payer.id, &[], by).await {
            Ok(id) => {
                return Ok(done(
                    &format!("/treasury/households/{id}"),
                    FlashKind::Success,
                    "treasury-flash-household-created",
                ));
            }
            Err(Error::Database(e)) => return Err(AppError::Database(e)),
            Err(error) => errors.store(&error, "name"),
        }
    } else {
        errors.add("payer", "treasury-error-required");
    }
    let data = NewPage {
        q: String::new(),
        matches: Vec::new(),
        payer,
        name: form.name,
        errors,
        csrf_token: auth.csrf.value().to_owned(),
    };
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    render(&themes, &tx, &view, NEW, status, &data).await
}

#[derive(Serialize)]
struct ShowPage {
    household: Household,
    q: String,
    matches: Vec<Match>,
    csrf_token: String,
}

/// `GET /treasury/households/{id}?q=`: its people, and a search to add more.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    Query(pick): Query<Pick>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let household = households::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut matches = search::members(&mut tx, &pick.q).await?;
    matches.retain(|m| !household.members.iter().any(|h| h.account_id == m.id));
    let data = ShowPage {
        household,
        q: pick.q,
        matches,
        csrf_token: auth.csrf.value().to_owned(),
    };
    let template = "treasury/household.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

#[derive(Debug, Default, Deserialize)]
pub struct PersonForm {
    #[serde(default)]
    account_id: String,
}

/// `POST /treasury/households/{id}/add`.
pub async fn add(
    guard: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<PersonForm>,
) -> Result<Response, AppError> {
    let account = form.account_id.parse::<i64>().map_err(|_| not_a_person())?;
    let by = guard.principal().account_id;
    let result = households::add_member(&mut tx, id, account, by).await;
    outcome(id, result, "treasury-flash-household-added")
}

/// `POST /treasury/households/{id}/remove`.
pub async fn remove(
    guard: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<PersonForm>,
) -> Result<Response, AppError> {
    let account = form.account_id.parse::<i64>().map_err(|_| not_a_person())?;
    let by = guard.principal().account_id;
    let result = households::remove_member(&mut tx, id, account, by).await;
    outcome(id, result, "treasury-flash-household-removed")
}

fn not_a_person() -> AppError {
    AppError::Unprocessable("choose a person from the search".into())
}

/// Back to the household with what happened; a household of another
/// tenant (or none) is a 404, a refused change a message.
fn outcome(id: i64, result: Result<(), Error>, success: &str) -> Result<Response, AppError> {
    let to = format!("/treasury/households/{id}");
    match result {
        Ok(()) => Ok(done(&to, FlashKind::Success, success)),
        Err(Error::NotFound("household")) => Err(AppError::NotFound),
        Err(Error::Database(e)) => Err(AppError::Database(e)),
        Err(error) => Ok(done(&to, FlashKind::Error, flash_key(&error))),
    }
}

/// Flash keys are short words: the store's reasons people may meet here.
fn flash_key(error: &Error) -> &'static str {
    match error.code() {
        Some("payer-stays") => "treasury-error-payer-stays",
        Some("too-many-members") => "treasury-error-too-many-members",
        _ => error_key(error),
    }
}
