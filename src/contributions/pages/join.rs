//! `/membership/join`: choose a plan, then a price and who joins; the
//! review step shows the quote (computed on what would be created, then
//! rolled back: nothing is written); the confirm step creates the family
//! accounts (invited by mail), the household and the memberships, with the
//! same quote, and leads to how to pay. Hidden, closed or unknown plans
//! are not offered: 404.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::build::{build, rollback_to_savepoint, savepoint};
use super::join_form::{Choice, FAMILY_ROWS, JoinForm};
use super::plans::{PlanCard, offered};
use super::{Errors, Money, day, redirect_with, render, success, until};
use crate::accounts::model::Account;
use crate::accounts::pages::current_account;
use crate::auth::{RequestAuth, SignedIn};
use crate::contributions::error::Error;
use crate::contributions::households;
use crate::contributions::memberships::{self, Quote};
use crate::contributions::plans::{self, Plan};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::form::Form;

#[derive(Debug, Default, Deserialize)]
pub struct PlanQuery {
    #[serde(default)]
    plan: Option<String>,
}

#[derive(Serialize)]
struct HouseholdChoice {
    id: i64,
    name: String,
    members: Vec<String>,
}

#[derive(Serialize)]
struct JoinPage<'a> {
    csrf: &'a str,
    plans: Vec<PlanCard>,
    plan: Option<PlanCard>,
    minimum: Option<Money>,
    households: Vec<HouseholdChoice>,
    values: &'a JoinForm,
    errors: Errors,
    notice: Option<&'static str>,
    rows: Vec<usize>,
    instalments: Vec<u8>,
}

#[derive(Serialize)]
struct Line {
    member: String,
    starts_on: String,
    ends_on: Option<String>,
    amount: Money,
}

#[derive(Serialize)]
struct ConfirmPage<'a> {
    csrf: &'a str,
    plan: PlanCard,
    values: &'a JoinForm,
    household: Option<String>,
    lines: Vec<Line>,
    total: Money,
    instalments: Vec<(String, Money)>,
}

const FORM: &str = "membership/join.html";

/// A plan members may take, or 404.
async fn offered_plan(tx: &mut TenantTx, id: Option<i64>) -> Result<Plan, AppError> {
    let id = id.ok_or(AppError::NotFound)?;
    match plans::find(tx, id).await? {
        Some(plan) if plan.is_offered() => Ok(plan),
        _ => Err(AppError::NotFound),
    }
}

/// The households `account` pays for.
async fn paid_households(
    tx: &mut TenantTx,
    account: &Account,
) -> Result<Vec<households::Household>, sqlx::Error> {
    let all = households::for_account(tx, account.id).await?;
    Ok(all
        .into_iter()
        .filter(|h| h.payer_id == account.id)
        .collect())
}

struct FormCtx<'a> {
    themes: &'a Themes,
    view: &'a PageView,
    csrf: &'a str,
}

async fn show_form(
    ctx: &FormCtx<'_>,
    tx: &mut TenantTx,
    account: &Account,
    plan: Option<&Plan>,
    values: &JoinForm,
    errors: Errors,
    notice: Option<&'static str>,
) -> Result<Response, AppError> {
    let locale = ctx.view.locale;
    let status = match errors.is_empty() && notice.is_none() {
        true => StatusCode::OK,
        false => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let households = paid_households(tx, account)
        .await?
        .into_iter()
        .map(|h| HouseholdChoice {
            id: h.id,
            name: h.name,
            members: h.members.into_iter().map(|m| m.display_name).collect(),
        })
        .collect();
    let page = JoinPage {
        csrf: ctx.csrf,
        plans: match plan {
            Some(_) => Vec::new(),
            None => offered(tx, locale).await?,
        },
        plan: plan.map(|p| PlanCard::new(p, locale)),
        minimum: plan.and_then(|p| p.minimum).map(|m| Money::new(m, locale)),
        households,
        values,
        errors,
        notice,
        rows: (1..=FAMILY_ROWS).collect(),
        instalments: (1..=plan.map_or(1, |p| p.max_instalments)).collect(),
    };
    render(ctx.themes, tx, ctx.view, FORM, status, &page).await
}

pub async fn form(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Query(query): Query<PlanQuery>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let ctx = FormCtx {
        themes: &themes,
        view: &view,
        csrf: auth.csrf.value(),
    };
    let Some(raw) = query.plan.filter(|p| !p.is_empty()) else {
        let values = JoinForm::default();
        return show_form(
            &ctx,
            &mut tx,
            &account,
            None,
            &values,
            Errors::default(),
            None,
        )
        .await;
    };
    let plan = offered_plan(&mut tx, raw.parse().ok()).await?;
    let values = JoinForm {
        plan: plan.id.to_string(),
        // The suggestion is shown, never anything added to it.
        amount: plan.suggested.map(|a| a.decimal()).unwrap_or_default(),
        who: "me".into(),
        instalments: "1".into(),
        ..JoinForm::default()
    };
    show_form(
        &ctx,
        &mut tx,
        &account,
        Some(&plan),
        &values,
        Errors::default(),
        None,
    )
    .await
}

/// The page's message for a refusal of the core.
fn refusal(error: &Error) -> (Option<&'static str>, &'static str) {
    let key = match error.code() {
        Some("email-taken") => "membership-error-email-taken",
        Some("nobody") => "membership-error-nobody",
        Some("already-member") => "membership-error-already-member",
        Some("plan-full") => "membership-error-plan-full",
        Some("too-many-members") => "membership-error-too-many",
        Some("below-minimum") => "membership-error-below-minimum",
        Some("unknown-tier") => "field-invalid-choice",
        Some("instalments") => "field-invalid-choice",
        _ => "membership-error-generic",
    };
    let field = match error.field() {
        Some(f @ ("email1" | "email2" | "email3" | "email4" | "amount" | "tier")) => Some(f),
        _ => None,
    };
    (field, key)
}

fn quote_lines(quote: &Quote, names: &HashMap<i64, String>, locale: &str) -> Vec<Line> {
    quote
        .lines
        .iter()
        .map(|line| Line {
            member: names.get(&line.account_id).cloned().unwrap_or_default(),
            starts_on: day(line.starts_on, locale),
            ends_on: until(line.ends_on, locale),
            amount: Money::new(line.amount, locale),
        })
        .collect()
}

/// Checks the posted form; `Err` is the page to answer with.
async fn checked(
    ctx: &FormCtx<'_>,
    tx: &mut TenantTx,
    account: &Account,
    form: &JoinForm,
) -> Result<Result<(Plan, Choice), Response>, AppError> {
    let plan = offered_plan(tx, form.plan_id()).await?;
    let mine: Vec<i64> = paid_households(tx, account)
        .await?
        .iter()
        .map(|h| h.id)
        .collect();
    match form.check(&plan, &mine) {
        Ok(choice) => Ok(Ok((plan, choice))),
        Err(errors) => Ok(Err(show_form(
            ctx,
            tx,
            account,
            Some(&plan),
            form,
            errors,
            None,
        )
        .await?)),
    }
}

/// The core's refusal, as a form message (nothing written: 422).
async fn refused(
    ctx: &FormCtx<'_>,
    tx: &mut TenantTx,
    account: &Account,
    plan: &Plan,
    form: &JoinForm,
    error: Error,
) -> Result<Response, AppError> {
    if matches!(error, Error::Database(_)) {
        return Err(error.into());
    }
    let (field, key) = refusal(&error);
    let mut errors = Errors::default();
    let notice = match field {
        Some(field) => {
            errors.add(field, key);
            None
        }
        None => Some(key),
    };
    show_form(ctx, tx, account, Some(plan), form, errors, notice).await
}

pub async fn review(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<JoinForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let ctx = FormCtx {
        themes: &themes,
        view: &view,
        csrf: auth.csrf.value(),
    };
    let (plan, choice) = match checked(&ctx, &mut tx, &account, &form).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    // The quote is computed on the accounts and household that would be
    // created, then all of it is undone.
    savepoint(&mut tx).await?;
    let quoted = async {
        let (request, names, household) = build(&mut tx, &auth, &account, &plan, &choice).await?;
        let quote = memberships::quote(&mut tx, &request).await?;
        Ok::<_, Error>((quote, names, household))
    }
    .await;
    rollback_to_savepoint(&mut tx).await?;
    let (quote, names, household) = match quoted {
        Ok(quoted) => quoted,
        Err(error) => return refused(&ctx, &mut tx, &account, &plan, &form, error).await,
    };
    let locale = view.locale;
    let page = ConfirmPage {
        csrf: ctx.csrf,
        plan: PlanCard::new(&plan, locale),
        values: &form,
        household,
        lines: quote_lines(&quote, &names, locale),
        total: Money::new(quote.total, locale),
        instalments: quote
            .instalments
            .iter()
            .map(|(on, amount)| (day(*on, locale), Money::new(*amount, locale)))
            .collect(),
    };
    render(
        &themes,
        &tx,
        &view,
        "membership/confirm.html",
        StatusCode::OK,
        &page,
    )
    .await
}

pub async fn confirm(
    State(themes): State<Themes>,
    view: PageView,
    SignedIn(principal): SignedIn,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(form): Form<JoinForm>,
) -> Result<Response, AppError> {
    let account = current_account(&mut tx, &principal).await?;
    let ctx = FormCtx {
        themes: &themes,
        view: &view,
        csrf: auth.csrf.value(),
    };
    let (plan, choice) = match checked(&ctx, &mut tx, &account, &form).await? {
        Ok(checked) => checked,
        Err(page) => return Ok(page),
    };
    savepoint(&mut tx).await?;
    let joined = async {
        let (request, _, _) = build(&mut tx, &auth, &account, &plan, &choice).await?;
        memberships::join(&mut tx, &request, Some(account.id)).await
    }
    .await;
    match joined {
        Ok(_) => Ok(redirect_with(
            "/membership/pay",
            success("membership-flash-joined"),
        )),
        Err(error) => {
            rollback_to_savepoint(&mut tx).await?;
            refused(&ctx, &mut tx, &account, &plan, &form, error).await
        }
    }
}
