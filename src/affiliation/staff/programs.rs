//! `/staff/affiliation`: the programmes, a new one, and one programme's
//! page: its settings, reward rules, groups and self-referral checks.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::forms::{RuleForm, SettingsForm};
use super::{audited, done, program, program_url, refused};
use crate::affiliation::books::Books;
use crate::affiliation::fraud::Check;
use crate::affiliation::model::CheckKind;
use crate::affiliation::programs::{self, Program, Settings};
use crate::affiliation::rulebook::{self, Group};
use crate::affiliation::rules::Rule;
use crate::affiliation::{Affiliation, affiliates};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::form::Form;

#[derive(Serialize)]
struct ListPage<'a> {
    csrf: &'a str,
    programs: Vec<Program>,
}

/// `GET /staff/affiliation/`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let programs = programs::list(&mut Books::tenant(&mut tx)).await?;
    let page = ListPage {
        csrf: auth.csrf.value(),
        programs,
    };
    let template = "staff/affiliation_programs.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &page)
        .await?)
}

#[derive(Deserialize)]
pub struct NewProgram {
    name: String,
}

/// `POST /staff/affiliation/`: a programme with the usual settings.
pub async fn create(
    staff: RequireRole<Treasurer>,
    mut tx: TenantTx,
    Form(form): Form<NewProgram>,
) -> Result<Response, AppError> {
    let currency = crate::contributions::settings::get(&mut tx).await?.currency;
    let created = programs::create(
        &mut Books::tenant(&mut tx),
        Settings::named(&form.name),
        currency,
    )
    .await;
    match created {
        Ok(program) => {
            audited(
                &mut tx,
                staff.principal().account_id,
                "affiliation.program.create",
                json!({ "program": program.id }),
            )
            .await?;
            Ok(done(
                &program_url(program.id),
                "affiliation-flash-program-created",
            ))
        }
        Err(error) => refused("/staff/affiliation/", error),
    }
}

#[derive(Serialize)]
struct ProgramPage<'a> {
    csrf: &'a str,
    program: Program,
    rules: Vec<Rule>,
    groups: Vec<Group>,
    checks: Vec<Check>,
    check_kinds: Vec<&'static str>,
    affiliates: Vec<(i64, String)>,
    open_reviews: usize,
    /// The settings as the form shows them.
    form: FormValues,
}

#[derive(Serialize)]
struct FormValues {
    cookie_days: String,
    holding_days: String,
    review_days: String,
    min_payout: String,
    bank_name: String,
    bank_iban: String,
    bank_bic: String,
    donation_payee: String,
    donation_iban: String,
}

impl FormValues {
    fn of(program: &Program) -> Self {
        let s = &program.settings;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let min = crate::model::Amount::new(s.min_payout_minor, program.currency());
        Self {
            cookie_days: s.cookie_days.to_string(),
            holding_days: s.holding_days.to_string(),
            review_days: s.review_days.to_string(),
            min_payout: min.map(|a| a.decimal()).unwrap_or_default(),
            bank_name: text(&s.bank_name),
            bank_iban: text(&s.bank_iban),
            bank_bic: text(&s.bank_bic),
            donation_payee: text(&s.donation_payee),
            donation_iban: text(&s.donation_iban),
        }
    }
}

/// `GET /staff/affiliation/programs/{id}`.
pub async fn show(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let program = program(&mut tx, id).await?;
    let mut books = Books::tenant(&mut tx);
    let page = ProgramPage {
        csrf: auth.csrf.value(),
        rules: rulebook::rules(&mut books, id).await?,
        groups: rulebook::groups(&mut books, id).await?,
        checks: rulebook::checks(&mut books, id).await?,
        check_kinds: CheckKind::ALL.iter().map(CheckKind::as_str).collect(),
        affiliates: affiliates::list(&mut books, id)
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect(),
        open_reviews: crate::affiliation::reviews::list(&mut books, id, true)
            .await?
            .len(),
        form: FormValues::of(&program),
        program,
    };
    let template = "staff/affiliation_program.html";
    Ok(themes
        .private_page(&tx, &view, template, StatusCode::OK, &page)
        .await?)
}

/// `POST /staff/affiliation/programs/{id}`: the settings.
pub async fn save(
    State(affiliation): State<Affiliation>,
    staff: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let current = program(&mut tx, id).await?;
    let url = program_url(id);
    let settings = match form.settings(current.currency()) {
        Ok(settings) => settings,
        Err(error) => return refused(&url, error),
    };
    if let Err(error) = programs::update(&mut Books::tenant(&mut tx), id, settings).await {
        return refused(&url, error);
    }
    affiliation.forget_links();
    audited(
        &mut tx,
        staff.principal().account_id,
        "affiliation.program.update",
        json!({ "program": id }),
    )
    .await?;
    Ok(done(&url, "affiliation-flash-saved"))
}

/// `POST /staff/affiliation/programs/{id}/rules`.
pub async fn add_rule(
    staff: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<RuleForm>,
) -> Result<Response, AppError> {
    let current = program(&mut tx, id).await?;
    let url = format!("{}#rules", program_url(id));
    let (scope, terms) = match form.terms(current.currency()) {
        Ok(parsed) => parsed,
        Err(error) => return refused(&url, error),
    };
    match rulebook::add_rule(&mut Books::tenant(&mut tx), id, scope, terms).await {
        Ok(rule) => {
            audited(
                &mut tx,
                staff.principal().account_id,
                "affiliation.rule.add",
                json!({ "program": id, "rule": rule.id }),
            )
            .await?;
            Ok(done(&url, "affiliation-flash-rule-added"))
        }
        Err(error) => refused(&url, error),
    }
}

/// `POST /staff/affiliation/programs/{id}/rules/{rule}/retire`.
pub async fn retire_rule(
    staff: RequireRole<Treasurer>,
    Path((id, rule)): Path<(i64, i64)>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let url = format!("{}#rules", program_url(id));
    if let Err(error) = rulebook::retire_rule(&mut Books::tenant(&mut tx), id, rule).await {
        return Err(error.into());
    }
    audited(
        &mut tx,
        staff.principal().account_id,
        "affiliation.rule.retire",
        json!({ "program": id, "rule": rule }),
    )
    .await?;
    Ok(done(&url, "affiliation-flash-rule-retired"))
}

#[derive(Deserialize)]
pub struct GroupForm {
    name: String,
}

/// `POST /staff/affiliation/programs/{id}/groups`.
pub async fn add_group(
    staff: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<GroupForm>,
) -> Result<Response, AppError> {
    program(&mut tx, id).await?;
    let url = format!("{}#groups", program_url(id));
    match rulebook::add_group(&mut Books::tenant(&mut tx), id, &form.name).await {
        Ok(group) => {
            audited(
                &mut tx,
                staff.principal().account_id,
                "affiliation.group.add",
                json!({ "program": id, "group": group.id }),
            )
            .await?;
            Ok(done(&url, "affiliation-flash-saved"))
        }
        Err(error) => refused(&url, error),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CheckForm {
    kind: String,
    window_hours: String,
    value: String,
    active: Option<String>,
}

/// `POST /staff/affiliation/programs/{id}/checks`.
pub async fn set_check(
    staff: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(form): Form<CheckForm>,
) -> Result<Response, AppError> {
    program(&mut tx, id).await?;
    let url = format!("{}#checks", program_url(id));
    let Ok(kind) = form.kind.parse::<CheckKind>() else {
        return Err(AppError::Unprocessable("kind: no such check".into()));
    };
    let hours = form.window_hours.trim().parse().unwrap_or(-1);
    let value = Some(form.value.as_str()).filter(|v| !v.trim().is_empty());
    let set = rulebook::set_check(
        &mut Books::tenant(&mut tx),
        id,
        kind,
        hours,
        value,
        form.active.is_some(),
    )
    .await;
    if let Err(error) = set {
        return refused(&url, error);
    }
    audited(
        &mut tx,
        staff.principal().account_id,
        "affiliation.check.set",
        json!({ "program": id, "check": kind }),
    )
    .await?;
    Ok(done(&url, "affiliation-flash-saved"))
}
