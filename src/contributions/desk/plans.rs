//! Plans: the list (archived ones apart), a new plan, editing one (its
//! tiers in a few fixed rows), archiving. A price change only applies to
//! memberships created afterwards, and the edit page says so with the
//! number of people on the plan today.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::plan_form::PlanValues;
use super::{Choice, Errors, done, money, render};
use crate::auth::{RequestAuth, RequireRole, Treasurer};
use crate::contributions::plans::{self, Plan, PlanFilter};
use crate::contributions::{Anchor, Error, HouseholdPricing, Period, ProRata, settings};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};
use crate::web::extract::Path;
use crate::web::flash::FlashKind;
use crate::web::form::Form;

#[derive(Serialize)]
struct Listed {
    id: i64,
    name: String,
    period: &'static str,
    from_price: Option<String>,
    tiers: usize,
    public: bool,
    open: bool,
    archived: bool,
    members: i64,
}

#[derive(Serialize)]
struct ListPage {
    plans: Vec<Listed>,
    archived: Vec<Listed>,
}

/// `GET /treasury/plans`.
pub async fn list(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let filter = PlanFilter {
        visible_to_members: false,
        include_archived: true,
    };
    let today = chrono::Utc::now().date_naive();
    let mut listed = Vec::new();
    for plan in plans::list(&mut tx, filter).await? {
        listed.push(Listed {
            members: plans::members_on(&mut tx, plan.id, today).await?,
            id: plan.id,
            period: plan.period.as_str(),
            from_price: plan.from_price().map(|a| money(a, &view)),
            tiers: plan.tiers.len(),
            public: plan.public,
            open: plan.open,
            archived: plan.archived,
            name: plan.name,
        });
    }
    let (archived, plans) = listed.into_iter().partition(|p| p.archived);
    let data = ListPage { plans, archived };
    render(
        &themes,
        &tx,
        &view,
        "treasury/plans.html",
        StatusCode::OK,
        &data,
    )
    .await
}

#[derive(Serialize)]
struct FormPage {
    /// `None` for a new plan.
    id: Option<i64>,
    archived: bool,
    /// People on the plan today (their amount stays as it is).
    members: i64,
    values: PlanValues,
    errors: Errors,
    summary: Vec<String>,
    periods: Vec<Choice>,
    anchors: Vec<Choice>,
    pro_ratas: Vec<Choice>,
    pricings: Vec<Choice>,
    csrf_token: String,
}

impl FormPage {
    fn new(id: Option<i64>, values: PlanValues, errors: Errors, csrf: &RequestAuth) -> Self {
        let words = |all: Vec<&'static str>, prefix: &str| Choice::words(&all, prefix);
        Self {
            id,
            archived: false,
            members: 0,
            summary: errors.keys().into_iter().map(str::to_owned).collect(),
            values,
            errors,
            periods: words(
                Period::ALL.iter().map(Period::as_str).collect(),
                "treasury-period-",
            ),
            anchors: words(
                Anchor::ALL.iter().map(Anchor::as_str).collect(),
                "treasury-anchor-",
            ),
            pro_ratas: words(
                ProRata::ALL.iter().map(ProRata::as_str).collect(),
                "treasury-pro-rata-",
            ),
            pricings: words(
                HouseholdPricing::ALL
                    .iter()
                    .map(HouseholdPricing::as_str)
                    .collect(),
                "treasury-pricing-",
            ),
            csrf_token: csrf.csrf.value().to_owned(),
        }
    }
}

const FORM: &str = "treasury/plan_form.html";

/// `GET /treasury/plans/new`.
pub async fn new_form(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    tx: TenantTx,
) -> Result<Response, AppError> {
    let data = FormPage::new(None, PlanValues::blank(), Errors::default(), &auth);
    render(&themes, &tx, &view, FORM, StatusCode::OK, &data).await
}

/// `POST /treasury/plans/new`.
pub async fn create(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let values = PlanValues::from_fields(&fields);
    let currency = settings::get(&mut tx).await?.currency;
    let written = match values.input(currency) {
        Ok(input) => plans::create(&mut tx, &input, guard.principal().account_id)
            .await
            .map_err(|e| store_errors(e, "name")),
        Err(errors) => Err(Ok(errors)),
    };
    match written {
        Ok(id) => Ok(done(
            &format!("/treasury/plans/{id}"),
            FlashKind::Success,
            "treasury-flash-plan-created",
        )),
        Err(Ok(errors)) => {
            let data = FormPage::new(None, values, errors, &auth);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&themes, &tx, &view, FORM, status, &data).await
        }
        Err(Err(error)) => Err(error),
    }
}

/// A store error as form errors, or the error to raise (the database).
fn store_errors(error: Error, fallback: &str) -> Result<Errors, AppError> {
    match error {
        Error::Database(error) => Err(AppError::Database(error)),
        error => {
            let mut errors = Errors::default();
            errors.store(&error, fallback);
            Ok(errors)
        }
    }
}

async fn find(tx: &mut TenantTx, id: i64) -> Result<Plan, AppError> {
    plans::find(tx, id).await?.ok_or(AppError::NotFound)
}

/// `GET /treasury/plans/{id}`.
pub async fn edit_form(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let plan = find(&mut tx, id).await?;
    let mut data = FormPage::new(Some(id), PlanValues::of(&plan), Errors::default(), &auth);
    data.archived = plan.archived;
    data.members = plans::members_on(&mut tx, id, chrono::Utc::now().date_naive()).await?;
    render(&themes, &tx, &view, FORM, StatusCode::OK, &data).await
}

/// `POST /treasury/plans/{id}`: saves; memberships keep their amounts.
pub async fn update(
    State(themes): State<Themes>,
    guard: RequireRole<Treasurer>,
    view: PageView,
    auth: RequestAuth,
    Path(id): Path<i64>,
    mut tx: TenantTx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let plan = find(&mut tx, id).await?;
    let values = PlanValues::from_fields(&fields);
    let written = match values.input(plan.currency) {
        Ok(input) => plans::update(&mut tx, id, &input, guard.principal().account_id)
            .await
            .map_err(|e| store_errors(e, "name")),
        Err(errors) => Err(Ok(errors)),
    };
    match written {
        Ok(()) => Ok(done(
            &format!("/treasury/plans/{id}"),
            FlashKind::Success,
            "treasury-flash-plan-saved",
        )),
        Err(Ok(errors)) => {
            let mut data = FormPage::new(Some(id), values, errors, &auth);
            data.archived = plan.archived;
            data.members = plans::members_on(&mut tx, id, chrono::Utc::now().date_naive()).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&themes, &tx, &view, FORM, status, &data).await
        }
        Err(Err(error)) => Err(error),
    }
}

/// `POST /treasury/plans/{id}/archive`: closed to new members, kept for
/// the memberships on it.
pub async fn archive(
    guard: RequireRole<Treasurer>,
    Path(id): Path<i64>,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    find(&mut tx, id).await?;
    plans::archive(&mut tx, id, guard.principal().account_id).await?;
    Ok(done(
        "/treasury/plans",
        FlashKind::Success,
        "treasury-flash-plan-archived",
    ))
}
