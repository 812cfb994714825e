//! The checks a plan passes before it is written: a name, consistent
//! free-amount or tier prices in the plan's currency, sensible limits.

use super::{PlanInput, TierInput};
use crate::contributions::error::Error;
use crate::model::{Amount, Currency};

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
    use crate::contributions::model::{Anchor, HouseholdPricing, Period, ProRata};

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
