//! Membership plans and their price tiers. A plan says how long a period
//! lasts and where it starts, what it costs (tiers, or a free amount with a
//! minimum), how mid-period joins and upgrades are priced, whether it may
//! be paid in instalments, who may see and take it, and whether it opens a
//! right to a tax receipt. Changing a price changes only what is created
//! afterwards: memberships keep the amount they were created with.

use super::dates::Cycle;
use super::error::Error;
use super::model::{Anchor, HouseholdPricing, Period, ProRata};
use crate::model::{Amount, Currency};

mod store;
mod validate;

pub use store::{archive, create, find, list, members_on, update};
pub use validate::validate;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub period: Period,
    pub anchor: Anchor,
    pub currency: Currency,
    pub free_amount: bool,
    pub minimum: Option<Amount>,
    pub suggested: Option<Amount>,
    pub pro_rata: ProRata,
    pub upgrade_credit: bool,
    pub max_instalments: u8,
    pub household_pricing: HouseholdPricing,
    pub household_cap: Option<Amount>,
    pub public: bool,
    pub open: bool,
    pub member_cap: Option<i32>,
    pub tax_receipt: bool,
    pub tax_receipt_percent: u8,
    pub position: i32,
    pub archived: bool,
    pub tiers: Vec<Tier>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Tier {
    pub id: i64,
    pub code: String,
    pub label: String,
    pub amount: Amount,
    pub position: i32,
}

impl Plan {
    pub fn cycle(&self, season_start_month: u32) -> Cycle {
        Cycle {
            period: self.period,
            anchor: self.anchor,
            season_start_month,
        }
    }

    pub fn tier(&self, code: &str) -> Option<&Tier> {
        self.tiers.iter().find(|tier| tier.code == code)
    }

    /// The lowest price: "from 12 €" on the plan list.
    pub fn from_price(&self) -> Option<Amount> {
        if self.free_amount {
            return self.minimum.or(Some(Amount::zero(self.currency)));
        }
        self.tiers
            .iter()
            .map(|tier| tier.amount)
            .min_by_key(Amount::minor)
    }

    /// Whether members may take it themselves on the portal.
    pub fn is_offered(&self) -> bool {
        self.public && self.open && !self.archived
    }

    /// The price of one membership: the tier's, or the amount given on a
    /// free plan (at least the minimum). `Err` names what is wrong.
    pub fn price(
        &self,
        tier: Option<&str>,
        amount: Option<Amount>,
    ) -> Result<(Option<i64>, Amount), Error> {
        if self.free_amount {
            let amount = amount
                .or(self.suggested)
                .ok_or_else(|| Error::invalid("amount", "amount-required", "give an amount"))?;
            if amount.currency() != self.currency {
                return Err(Error::invalid(
                    "amount",
                    "wrong-currency",
                    format!("this plan is paid in {}", self.currency),
                ));
            }
            if self
                .minimum
                .is_some_and(|minimum| amount.minor() < minimum.minor())
            {
                return Err(Error::invalid(
                    "amount",
                    "below-minimum",
                    "the amount is below the plan's minimum",
                ));
            }
            return Ok((None, amount));
        }
        let tier = match tier {
            Some(code) => self.tier(code),
            None => self.tiers.first(),
        }
        .ok_or_else(|| Error::invalid("tier", "unknown-tier", "no such price on this plan"))?;
        Ok((Some(tier.id), tier.amount))
    }
}

/// What staff write: a plan and its tiers (identified by code; a tier left
/// out is archived, never deleted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct PlanInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub period: Period,
    #[serde(default = "default_anchor")]
    pub anchor: Anchor,
    #[serde(default)]
    #[schema(value_type = String, example = "EUR")]
    pub currency: Currency,
    #[serde(default)]
    pub free_amount: bool,
    pub minimum_minor: Option<i64>,
    pub suggested_minor: Option<i64>,
    #[serde(default = "default_pro_rata")]
    pub pro_rata: ProRata,
    #[serde(default = "yes")]
    pub upgrade_credit: bool,
    #[serde(default = "one")]
    pub max_instalments: u8,
    #[serde(default = "default_household_pricing")]
    pub household_pricing: HouseholdPricing,
    pub household_cap_minor: Option<i64>,
    #[serde(default = "yes")]
    pub public: bool,
    #[serde(default = "yes")]
    pub open: bool,
    pub member_cap: Option<i32>,
    #[serde(default)]
    pub tax_receipt: bool,
    #[serde(default = "hundred")]
    pub tax_receipt_percent: u8,
    #[serde(default)]
    pub position: i32,
    #[serde(default)]
    pub tiers: Vec<TierInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
pub struct TierInput {
    pub code: String,
    pub label: String,
    pub amount_minor: i64,
}

fn default_anchor() -> Anchor {
    Anchor::Season
}
fn default_pro_rata() -> ProRata {
    ProRata::None
}
fn default_household_pricing() -> HouseholdPricing {
    HouseholdPricing::PerMember
}
fn yes() -> bool {
    true
}
fn one() -> u8 {
    1
}
fn hundred() -> u8 {
    100
}

/// Filters of [`list`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanFilter {
    /// Only public, open, not archived plans.
    pub visible_to_members: bool,
    pub include_archived: bool,
}
