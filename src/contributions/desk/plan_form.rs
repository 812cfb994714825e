//! The plan form as typed: every field a string (so a wrong one is shown
//! back as typed, next to its message), and a few fixed rows of price
//! tiers. Amounts are read with `Amount::parse`, so `12,50`, `12.5` and
//! `1 234` all work; `12,345` (three decimals) is refused.

use serde::Serialize;

use super::Errors;
use crate::contributions::plans::{Plan, PlanInput, TierInput};
use crate::contributions::{Anchor, HouseholdPricing, Period, ProRata};
use crate::model::{Amount, Currency, MoneyError};

/// Tier rows the form shows (an empty row is ignored); a plan with more
/// keeps its extra tiers shown, plus two empty rows.
pub const TIER_ROWS: usize = 4;

#[derive(Debug, Clone, Default, Serialize)]
pub struct TierRow {
    pub code: String,
    pub label: String,
    pub amount: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanValues {
    pub name: String,
    pub description: String,
    pub period: String,
    pub anchor: String,
    pub free_amount: bool,
    pub minimum: String,
    pub suggested: String,
    pub pro_rata: String,
    pub upgrade_credit: bool,
    pub max_instalments: String,
    pub household_pricing: String,
    pub household_cap: String,
    pub public: bool,
    pub open: bool,
    pub member_cap: String,
    pub tax_receipt: bool,
    pub tax_receipt_percent: String,
    pub position: String,
    pub tiers: Vec<TierRow>,
}

impl PlanValues {
    /// A new plan: yearly on the season, open and public, one standard tier.
    pub fn blank() -> Self {
        let mut tiers = vec![TierRow {
            code: "standard".into(),
            ..TierRow::default()
        }];
        tiers.resize(TIER_ROWS, TierRow::default());
        Self {
            period: "yearly".into(),
            anchor: "season".into(),
            pro_rata: "none".into(),
            upgrade_credit: true,
            max_instalments: "1".into(),
            household_pricing: "per_member".into(),
            public: true,
            open: true,
            tax_receipt_percent: "100".into(),
            position: "0".into(),
            tiers,
            ..Self::default()
        }
    }

    /// What the form shows for an existing plan.
    pub fn of(plan: &Plan) -> Self {
        let text = |amount: Option<Amount>| amount.map(|a| a.decimal()).unwrap_or_default();
        let mut tiers: Vec<TierRow> = plan
            .tiers
            .iter()
            .map(|tier| TierRow {
                code: tier.code.clone(),
                label: tier.label.clone(),
                amount: tier.amount.decimal(),
            })
            .collect();
        let rows = TIER_ROWS.max(tiers.len() + 2);
        tiers.resize(rows, TierRow::default());
        Self {
            name: plan.name.clone(),
            description: plan.description.clone(),
            period: plan.period.as_str().into(),
            anchor: plan.anchor.as_str().into(),
            free_amount: plan.free_amount,
            minimum: text(plan.minimum),
            suggested: text(plan.suggested),
            pro_rata: plan.pro_rata.as_str().into(),
            upgrade_credit: plan.upgrade_credit,
            max_instalments: plan.max_instalments.to_string(),
            household_pricing: plan.household_pricing.as_str().into(),
            household_cap: text(plan.household_cap),
            public: plan.public,
            open: plan.open,
            member_cap: plan.member_cap.map(|c| c.to_string()).unwrap_or_default(),
            tax_receipt: plan.tax_receipt,
            tax_receipt_percent: plan.tax_receipt_percent.to_string(),
            position: plan.position.to_string(),
            tiers,
        }
    }

    /// Reads the posted fields (checkboxes absent = off; tier rows
    /// `tier_code_N`, `tier_label_N`, `tier_amount_N`).
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let on = |name: &str| {
            fields
                .iter()
                .any(|(key, value)| key == name && value == "on")
        };
        let rows = (0..20)
            .take_while(|i| fields.iter().any(|(k, _)| *k == format!("tier_code_{i}")))
            .count()
            .max(TIER_ROWS);
        let tiers = (0..rows)
            .map(|i| TierRow {
                code: get(&format!("tier_code_{i}")),
                label: get(&format!("tier_label_{i}")),
                amount: get(&format!("tier_amount_{i}")),
            })
            .collect();
        Self {
            name: get("name"),
            description: get("description"),
            period: get("period"),
            anchor: get("anchor"),
            free_amount: on("free_amount"),
            minimum: get("minimum"),
            suggested: get("suggested"),
            pro_rata: get("pro_rata"),
            upgrade_credit: on("upgrade_credit"),
            max_instalments: get("max_instalments"),
            household_pricing: get("household_pricing"),
            household_cap: get("household_cap"),
            public: on("public"),
            open: on("open"),
            member_cap: get("member_cap"),
            tax_receipt: on("tax_receipt"),
            tax_receipt_percent: get("tax_receipt_percent"),
            position: get("position"),
            tiers,
        }
    }

    /// The plan to write, or every field that is wrong.
    pub fn input(&self, currency: Currency) -> Result<PlanInput, Errors> {
        let mut errors = Errors::default();
        let mut word = |field: &str, text: &str| -> Option<String> {
            let ok = !text.is_empty();
            if !ok {
                errors.add(field, "treasury-error-required");
            }
            ok.then(|| text.to_owned())
        };
        let period = word("period", &self.period).and_then(|w| w.parse::<Period>().ok());
        let anchor = word("anchor", &self.anchor).and_then(|w| w.parse::<Anchor>().ok());
        let pro_rata = word("pro_rata", &self.pro_rata).and_then(|w| w.parse::<ProRata>().ok());
        let pricing = word("household_pricing", &self.household_pricing)
            .and_then(|w| w.parse::<HouseholdPricing>().ok());
        let minimum = amount(&mut errors, "minimum_minor", &self.minimum, currency);
        let suggested = amount(&mut errors, "suggested_minor", &self.suggested, currency);
        let cap = amount(
            &mut errors,
            "household_cap_minor",
            &self.household_cap,
            currency,
        );
        let instalments = number::<u8>(&mut errors, "max_instalments", &self.max_instalments);
        let member_cap = number::<i32>(&mut errors, "member_cap", &self.member_cap);
        let percent = number::<u8>(
            &mut errors,
            "tax_receipt_percent",
            &self.tax_receipt_percent,
        );
        let position = number::<i32>(&mut errors, "position", &self.position);
        let tiers = self.tier_inputs(&mut errors, currency);
        for (field, missing) in [
            ("period", period.is_none()),
            ("anchor", anchor.is_none()),
            ("pro_rata", pro_rata.is_none()),
            ("household_pricing", pricing.is_none()),
        ] {
            if missing {
                errors.add(field, "treasury-error-invalid");
            }
        }
        let (Some(period), Some(anchor), Some(pro_rata), Some(pricing)) =
            (period, anchor, pro_rata, pricing)
        else {
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PlanInput {
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            period,
            anchor,
            currency,
            free_amount: self.free_amount,
            minimum_minor: minimum.map(|a| a.minor()),
            suggested_minor: suggested.map(|a| a.minor()),
            pro_rata,
            upgrade_credit: self.upgrade_credit,
            max_instalments: instalments.unwrap_or(1),
            household_pricing: pricing,
            household_cap_minor: cap.map(|a| a.minor()),
            public: self.public,
            open: self.open,
            member_cap,
            tax_receipt: self.tax_receipt,
            tax_receipt_percent: percent.unwrap_or(100),
            position: position.unwrap_or(0),
            tiers: if self.free_amount { Vec::new() } else { tiers },
        })
    }

    /// The filled tier rows; a row with only some of its fields is wrong.
    fn tier_inputs(&self, errors: &mut Errors, currency: Currency) -> Vec<TierInput> {
        let mut tiers = Vec::new();
        for row in &self.tiers {
            let (code, label, text) = (row.code.trim(), row.label.trim(), row.amount.trim());
            if code.is_empty() && label.is_empty() && text.is_empty() {
                continue;
            }
            if code.is_empty() || label.is_empty() || text.is_empty() {
                errors.add("tiers", "treasury-error-tier-incomplete");
                continue;
            }
            match Amount::parse(text, currency) {
                Ok(amount) => tiers.push(TierInput {
                    code: code.to_owned(),
                    label: label.to_owned(),
                    amount_minor: amount.minor(),
                }),
                Err(error) => errors.add("tiers", money_key(error)),
            }
        }
        tiers
    }
}

/// An optional amount field.
fn amount(errors: &mut Errors, field: &str, text: &str, currency: Currency) -> Option<Amount> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Amount::parse(text, currency)
        .map_err(|error| errors.add(field, money_key(error)))
        .ok()
}

/// An optional whole number field.
fn number<T: std::str::FromStr>(errors: &mut Errors, field: &str, text: &str) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse()
        .map_err(|_| errors.add(field, "treasury-error-not-a-number"))
        .ok()
}

/// What was wrong with a typed amount.
pub fn money_key(error: MoneyError) -> &'static str {
    match error {
        MoneyError::Negative => "treasury-error-negative",
        MoneyError::TooPrecise => "treasury-error-too-precise",
        MoneyError::TooLarge => "treasury-error-too-large",
        MoneyError::CurrencyMismatch | MoneyError::UnknownCurrency => {
            "treasury-error-wrong-currency"
        }
        MoneyError::NotAnAmount => "treasury-error-not-an-amount",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn base() -> Vec<(String, String)> {
        fields(&[
            ("name", "Adhésion"),
            ("period", "yearly"),
            ("anchor", "season"),
            ("pro_rata", "none"),
            ("household_pricing", "per_member"),
            ("max_instalments", "1"),
            ("tax_receipt_percent", "100"),
            ("tier_code_0", "standard"),
            ("tier_label_0", "Standard"),
            ("tier_amount_0", "12,50"),
            ("tier_code_1", ""),
            ("tier_label_1", ""),
            ("tier_amount_1", ""),
            ("open", "on"),
        ])
    }

    #[test]
    fn a_typed_plan_is_read() {
        let values = PlanValues::from_fields(&base());
        let input = values.input(Currency::EUR);
        let input = input.ok().unwrap_or_else(|| unreachable!());
        assert_eq!(input.tiers.len(), 1);
        assert_eq!(input.tiers[0].amount_minor, 1250);
        assert!(input.open && !input.public);
    }

    #[test]
    fn bad_amounts_are_named() {
        for (text, key) in [
            ("-5", "treasury-error-negative"),
            ("12,345", "treasury-error-too-precise"),
            ("douze", "treasury-error-not-an-amount"),
        ] {
            let mut f = base();
            f[9].1 = text.into();
            let errors = PlanValues::from_fields(&f).input(Currency::EUR);
            let errors = errors.err().unwrap_or_default();
            assert_eq!(errors.keys(), [key], "{text}");
        }
    }
}
