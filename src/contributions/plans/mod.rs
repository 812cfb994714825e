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

pub use store::{archive, create, find, list, members_on, update};

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

fn amount(
    field: &'static str,
    minor: Option<i64>,
    currency: Currency,
) -> Result<Option<Amount>, Error> {
    minor
        .map(|minor| {
            if minor < 0 {
                return Err(Error::invalid(field, "negative", "must not be negative"));
            }
            Amount::new(minor, currency)
                .ok_or_else(|| Error::invalid(field, "too-large", "amount too large"))
        })
        .transpose()
}

/// Checks a plan before it is written.
pub fn validate(input: &PlanInput) -> Result<(), Error> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(Error::invalid(
            "name",
            "name",
            "a name of 1 to 120 characters",
        ));
    }
    if input.description.chars().count() > 4000 {
        return Err(Error::invalid(
            "description",
            "too-long",
            "at most 4000 characters",
        ));
    }
    let minimum = amount("minimum_minor", input.minimum_minor, input.currency)?;
    let suggested = amount("suggested_minor", input.suggested_minor, input.currency)?;
    amount(
        "household_cap_minor",
        input.household_cap_minor,
        input.currency,
    )?;
    if input.household_cap_minor == Some(0) {
        return Err(Error::invalid(
            "household_cap_minor",
            "positive",
            "a cap must be above zero",
        ));
    }
    if input.free_amount {
        if !input.tiers.is_empty() {
            return Err(Error::invalid(
                "tiers",
                "free-with-tiers",
                "a free-amount plan has no price tiers",
            ));
        }
        if let (Some(minimum), Some(suggested)) = (minimum, suggested)
            && suggested.minor() < minimum.minor()
        {
            return Err(Error::invalid(
                "suggested_minor",
                "below-minimum",
                "the suggestion is below the minimum",
            ));
        }
    } else {
        if minimum.is_some() || suggested.is_some() {
            return Err(Error::invalid(
                "minimum_minor",
                "fixed-with-minimum",
                "only free-amount plans have a minimum",
            ));
        }
        validate_tiers(&input.tiers, input.currency)?;
    }
    if !(1..=12).contains(&input.max_instalments) {
        return Err(Error::invalid(
            "max_instalments",
            "instalments",
            "from 1 to 12 instalments",
        ));
    }
    if input.member_cap.is_some_and(|cap| cap <= 0) {
        return Err(Error::invalid(
            "member_cap",
            "positive",
            "a cap must be above zero",
        ));
    }
    if input.tax_receipt_percent > 100 {
        return Err(Error::invalid(
            "tax_receipt_percent",
            "percent",
            "a share from 0 to 100 %",
        ));
    }
    Ok(())
}

fn validate_tiers(tiers: &[TierInput], currency: Currency) -> Result<(), Error> {
    if tiers.is_empty() {
        return Err(Error::invalid(
            "tiers",
            "no-tier",
            "give at least one price",
        ));
    }
    if tiers.len() > 20 {
        return Err(Error::invalid(
            "tiers",
            "too-many-tiers",
            "at most 20 prices",
        ));
    }
    let mut codes = std::collections::HashSet::new();
    for tier in tiers {
        let code_ok = tier.code.len() <= 32
            && tier.code.starts_with(|c: char| c.is_ascii_lowercase())
            && tier
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !code_ok {
            return Err(Error::invalid(
                "tiers",
                "tier-code",
                "a tier code is lowercase letters, digits, - or _",
            ));
        }
        if !codes.insert(tier.code.as_str()) {
            return Err(Error::invalid(
                "tiers",
                "tier-duplicate",
                "two tiers have the same code",
            ));
        }
        let label = tier.label.trim();
        if label.is_empty() || label.chars().count() > 80 {
            return Err(Error::invalid(
                "tiers",
                "tier-label",
                "a tier label of 1 to 80 characters",
            ));
        }
        amount("tiers", Some(tier.amount_minor), currency)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PlanInput {
        PlanInput {
            name: "Adhésion annuelle".into(),
            description: String::new(),
            period: Period::Yearly,
            anchor: Anchor::Season,
            currency: Currency::EUR,
            free_amount: false,
            minimum_minor: None,
            suggested_minor: None,
            pro_rata: ProRata::Monthly,
            upgrade_credit: true,
            max_instalments: 3,
            household_pricing: HouseholdPricing::PerMember,
            household_cap_minor: Some(9_000),
            public: true,
            open: true,
            member_cap: None,
            tax_receipt: false,
            tax_receipt_percent: 100,
            position: 0,
            tiers: vec![TierInput {
                code: "standard".into(),
                label: "Standard".into(),
                amount_minor: 3_000,
            }],
        }
    }

    #[test]
    fn plans_are_validated() {
        assert!(validate(&input()).is_ok());
        let bad = [
            PlanInput {
                name: " ".into(),
                ..input()
            },
            PlanInput {
                tiers: vec![],
                ..input()
            },
            PlanInput {
                free_amount: true,
                ..input()
            },
            PlanInput {
                minimum_minor: Some(100),
                ..input()
            },
            PlanInput {
                max_instalments: 0,
                ..input()
            },
            PlanInput {
                member_cap: Some(0),
                ..input()
            },
            PlanInput {
                household_cap_minor: Some(-1),
                ..input()
            },
            PlanInput {
                tiers: vec![TierInput {
                    code: "x".into(),
                    label: "X".into(),
                    amount_minor: -5,
                }],
                ..input()
            },
            PlanInput {
                tiers: vec![TierInput {
                    code: "x".into(),
                    label: "X".into(),
                    amount_minor: i64::MAX,
                }],
                ..input()
            },
            PlanInput {
                tiers: vec![
                    TierInput {
                        code: "a".into(),
                        label: "A".into(),
                        amount_minor: 1,
                    },
                    TierInput {
                        code: "a".into(),
                        label: "B".into(),
                        amount_minor: 2,
                    },
                ],
                ..input()
            },
            PlanInput {
                free_amount: true,
                tiers: vec![],
                minimum_minor: Some(500),
                suggested_minor: Some(100),
                ..input()
            },
        ];
        for plan in bad {
            assert!(validate(&plan).is_err(), "{plan:?}");
        }
    }
}
