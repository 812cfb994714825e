//! `/api/v1/plans`: list, create, show and change plans (treasurers, or a
//! key with `contributions:read` / `:write`). Amounts are money objects in
//! the plan's currency; `PATCH` changes only the fields it names (and
//! `"archived": true` archives). Changing a price never touches existing
//! memberships (the core's rule).

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::money::{MoneyInput, MoneyView};
use crate::api::json::{ApiJson, ApiQuery};
use crate::auth::Treasurer;
use crate::auth::scoped::{Allowed, ContributionsRead, ContributionsWrite};
use crate::contributions::plans::{self, Plan, PlanFilter, PlanInput, TierInput};
use crate::contributions::{Anchor, HouseholdPricing, Period, ProRata};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::{Amount, Currency};
use crate::web::extract::Path;

#[derive(Debug, Serialize, ToSchema)]
pub struct TierView {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub amount: MoneyView,
    pub position: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub period: Period,
    pub anchor: Anchor,
    pub currency: String,
    pub free_amount: bool,
    pub minimum: Option<MoneyView>,
    pub suggested: Option<MoneyView>,
    pub pro_rata: ProRata,
    pub upgrade_credit: bool,
    pub max_instalments: u8,
    pub household_pricing: HouseholdPricing,
    pub household_cap: Option<MoneyView>,
    pub public: bool,
    pub open: bool,
    pub member_cap: Option<i32>,
    pub tax_receipt: bool,
    pub tax_receipt_percent: u8,
    pub position: i32,
    pub archived: bool,
    pub tiers: Vec<TierView>,
}

impl From<Plan> for PlanView {
    fn from(plan: Plan) -> Self {
        Self {
            id: plan.id,
            name: plan.name,
            description: plan.description,
            period: plan.period,
            anchor: plan.anchor,
            currency: plan.currency.code().to_owned(),
            free_amount: plan.free_amount,
            minimum: plan.minimum.map(Into::into),
            suggested: plan.suggested.map(Into::into),
            pro_rata: plan.pro_rata,
            upgrade_credit: plan.upgrade_credit,
            max_instalments: plan.max_instalments,
            household_pricing: plan.household_pricing,
            household_cap: plan.household_cap.map(Into::into),
            public: plan.public,
            open: plan.open,
            member_cap: plan.member_cap,
            tax_receipt: plan.tax_receipt,
            tax_receipt_percent: plan.tax_receipt_percent,
            position: plan.position,
            archived: plan.archived,
            tiers: plan
                .tiers
                .into_iter()
                .map(|t| TierView {
                    id: t.id,
                    code: t.code,
                    label: t.label,
                    amount: t.amount.into(),
                    position: t.position,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierBody {
    pub code: String,
    pub label: String,
    pub amount: MoneyInput,
}

/// A plan as a client writes it. `POST` needs `name` and `period`;
/// `PATCH` changes only what it names.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    pub name: Option<String>,
    pub description: Option<String>,
    pub period: Option<Period>,
    pub anchor: Option<Anchor>,
    /// ISO 4217 (default: EUR on creation).
    pub currency: Option<String>,
    pub free_amount: Option<bool>,
    pub minimum: Option<MoneyInput>,
    pub suggested: Option<MoneyInput>,
    pub pro_rata: Option<ProRata>,
    pub upgrade_credit: Option<bool>,
    pub max_instalments: Option<u8>,
    pub household_pricing: Option<HouseholdPricing>,
    pub household_cap: Option<MoneyInput>,
    pub public: Option<bool>,
    pub open: Option<bool>,
    pub member_cap: Option<i32>,
    pub tax_receipt: Option<bool>,
    pub tax_receipt_percent: Option<u8>,
    pub position: Option<i32>,
    /// Replaces the tiers (one left out is archived).
    pub tiers: Option<Vec<TierBody>>,
    /// `PATCH` only: `true` archives the plan.
    pub archived: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlansQuery {
    /// Include archived plans (default false).
    pub include_archived: Option<bool>,
}

#[utoipa::path(operation_id = "plans_list", get, path = "/api/v1/plans", tag = "contributions",
    params(PlansQuery), security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = Vec<PlanView>), (status = 401), (status = 403)))]
pub async fn list(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    ApiQuery(query): ApiQuery<PlansQuery>,
) -> Result<Json<Vec<PlanView>>, AppError> {
    let filter = PlanFilter {
        visible_to_members: false,
        include_archived: query.include_archived.unwrap_or(false),
    };
    let plans = plans::list(&mut tx, filter).await?;
    Ok(Json(plans.into_iter().map(Into::into).collect()))
}

#[utoipa::path(operation_id = "plans_show", get, path = "/api/v1/plans/{id}", tag = "contributions",
    params(("id" = i64, Path)), security(("bearer" = []), ("api_key" = ["contributions:read"])),
    responses((status = 200, body = PlanView), (status = 401), (status = 403), (status = 404)))]
pub async fn show(
    _: Allowed<Treasurer, ContributionsRead>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
) -> Result<Json<PlanView>, AppError> {
    let plan = plans::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(plan.into()))
}

#[utoipa::path(operation_id = "plans_create", post, path = "/api/v1/plans", tag = "contributions",
    request_body = PlanBody, security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 201, body = PlanView), (status = 400), (status = 401), (status = 403),
              (status = 422)))]
pub async fn create(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<(StatusCode, Json<PlanView>), AppError> {
    let (Some(name), Some(period)) = (body.name.clone(), body.period) else {
        return Err(AppError::Unprocessable(
            "name and period are required".into(),
        ));
    };
    let base = PlanInput {
        name,
        description: String::new(),
        period,
        anchor: Anchor::Season,
        currency: Currency::EUR,
        free_amount: false,
        minimum_minor: None,
        suggested_minor: None,
        pro_rata: ProRata::None,
        upgrade_credit: true,
        max_instalments: 1,
        household_pricing: HouseholdPricing::PerMember,
        household_cap_minor: None,
        public: true,
        open: true,
        member_cap: None,
        tax_receipt: false,
        tax_receipt_percent: 100,
        position: 0,
        tiers: Vec::new(),
    };
    let input = apply(base, body)?;
    let by = guard.principal().account_id;
    let id = plans::create(&mut tx, &input, by).await?;
    let plan = plans::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(plan.into())))
}

#[utoipa::path(operation_id = "plans_update", patch, path = "/api/v1/plans/{id}", tag = "contributions",
    params(("id" = i64, Path)), request_body = PlanBody,
    security(("bearer" = []), ("api_key" = ["contributions:write"])),
    responses((status = 200, body = PlanView), (status = 400), (status = 401), (status = 403),
              (status = 404), (status = 422)))]
pub async fn update(
    guard: Allowed<Treasurer, ContributionsWrite>,
    mut tx: TenantTx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<Json<PlanView>, AppError> {
    let plan = plans::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let by = guard.principal().account_id;
    let archive = body.archived;
    let input = apply(input_of(&plan), body)?;
    plans::update(&mut tx, id, &input, by).await?;
    match archive {
        Some(true) if !plan.archived => plans::archive(&mut tx, id, by).await?,
        Some(false) if plan.archived => {
            return Err(AppError::Unprocessable(
                "archived: an archived plan cannot be brought back; create a new one".into(),
            ));
        }
        _ => {}
    }
    let plan = plans::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(plan.into()))
}

/// What a plan is now, as an input to change.
fn input_of(plan: &Plan) -> PlanInput {
    PlanInput {
        name: plan.name.clone(),
        description: plan.description.clone(),
        period: plan.period,
        anchor: plan.anchor,
        currency: plan.currency,
        free_amount: plan.free_amount,
        minimum_minor: plan.minimum.map(|a| a.minor()),
        suggested_minor: plan.suggested.map(|a| a.minor()),
        pro_rata: plan.pro_rata,
        upgrade_credit: plan.upgrade_credit,
        max_instalments: plan.max_instalments,
        household_pricing: plan.household_pricing,
        household_cap_minor: plan.household_cap.map(|a| a.minor()),
        public: plan.public,
        open: plan.open,
        member_cap: plan.member_cap,
        tax_receipt: plan.tax_receipt,
        tax_receipt_percent: plan.tax_receipt_percent,
        position: plan.position,
        tiers: plan
            .tiers
            .iter()
            .map(|t| TierInput {
                code: t.code.clone(),
                label: t.label.clone(),
                amount_minor: t.amount.minor(),
            })
            .collect(),
    }
}

/// `input` with what `body` names; amounts must be in the plan's currency.
fn apply(mut input: PlanInput, body: PlanBody) -> Result<PlanInput, AppError> {
    if let Some(code) = &body.currency {
        input.currency = Currency::parse(code).map_err(|_| {
            AppError::Unprocessable(
                "currency: unknown (expected an ISO 4217 code such as EUR)".into(),
            )
        })?;
    }
    let currency = input.currency;
    let minor = |money: &MoneyInput, field: &str| -> Result<i64, AppError> {
        in_currency(money.amount(field)?, currency, field)
    };
    if let Some(free) = body.free_amount {
        input.free_amount = free;
        if !free {
            input.minimum_minor = None;
            input.suggested_minor = None;
        }
    }
    if let Some(m) = &body.minimum {
        input.minimum_minor = Some(minor(m, "minimum")?);
    }
    if let Some(m) = &body.suggested {
        input.suggested_minor = Some(minor(m, "suggested")?);
    }
    if let Some(m) = &body.household_cap {
        input.household_cap_minor = Some(minor(m, "household_cap")?);
    }
    if let Some(tiers) = body.tiers {
        input.tiers = tiers
            .into_iter()
            .map(|t| {
                Ok(TierInput {
                    amount_minor: minor(&t.amount, "tiers.amount")?,
                    code: t.code,
                    label: t.label,
                })
            })
            .collect::<Result<_, AppError>>()?;
    }
    macro_rules! set {
        ($($field:ident),*) => { $(if let Some(v) = body.$field { input.$field = v; })* };
    }
    set!(
        name,
        description,
        period,
        anchor,
        pro_rata,
        upgrade_credit,
        max_instalments,
        household_pricing,
        public,
        open,
        tax_receipt,
        tax_receipt_percent,
        position
    );
    if body.member_cap.is_some() {
        input.member_cap = body.member_cap;
    }
    Ok(input)
}

fn in_currency(amount: Amount, currency: Currency, field: &str) -> Result<i64, AppError> {
    if amount.currency() != currency {
        return Err(AppError::Unprocessable(
            format!("{field}: the plan's currency is {currency}").into(),
        ));
    }
    Ok(amount.minor())
}
