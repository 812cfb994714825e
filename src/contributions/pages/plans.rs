//! `/membership/plans`: the plans members may take themselves (public,
//! open, not archived), each with its lowest price ("from 12 €"), its
//! period and its description. Anyone may read it; joining needs an
//! account.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::{Money, render};
use crate::contributions::plans::{self, Plan, PlanFilter};
use crate::db::TenantTx;
use crate::error::AppError;
use crate::themes::{PageView, Themes};

/// A plan as the list shows it.
#[derive(Debug, Serialize)]
pub struct PlanCard {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub period: &'static str,
    pub from: Option<Money>,
    pub free_amount: bool,
    pub suggested: Option<Money>,
    pub tiers: Vec<TierLine>,
    pub max_instalments: u8,
    pub household_cap: Option<Money>,
}

#[derive(Debug, Serialize)]
pub struct TierLine {
    pub code: String,
    pub label: String,
    pub amount: Money,
}

impl PlanCard {
    pub fn new(plan: &Plan, locale: &str) -> Self {
        let money = |amount| Money::new(amount, locale);
        Self {
            id: plan.id,
            name: plan.name.clone(),
            description: plan.description.clone(),
            period: plan.period.as_str(),
            from: plan.from_price().map(money),
            free_amount: plan.free_amount,
            suggested: plan.suggested.map(money),
            tiers: plan
                .tiers
                .iter()
                .map(|tier| TierLine {
                    code: tier.code.clone(),
                    label: tier.label.clone(),
                    amount: money(tier.amount),
                })
                .collect(),
            max_instalments: plan.max_instalments,
            household_cap: plan.household_cap.map(money),
        }
    }
}

#[derive(Serialize)]
struct PlansPage {
    plans: Vec<PlanCard>,
    signed_in: bool,
}

/// The plans on offer, in the staff's order.
pub async fn offered(tx: &mut TenantTx, locale: &str) -> Result<Vec<PlanCard>, sqlx::Error> {
    let filter = PlanFilter {
        visible_to_members: true,
        ..PlanFilter::default()
    };
    let plans = plans::list(tx, filter).await?;
    Ok(plans
        .iter()
        .filter(|plan| plan.is_offered())
        .map(|plan| PlanCard::new(plan, locale))
        .collect())
}

pub async fn page(
    State(themes): State<Themes>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let page = PlansPage {
        plans: offered(&mut tx, view.locale).await?,
        signed_in: view.signed_in,
    };
    render(
        &themes,
        &tx,
        &view,
        "membership/plans.html",
        StatusCode::OK,
        &page,
    )
    .await
}
