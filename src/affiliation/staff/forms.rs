//! The staff's forms as typed (text everywhere, amounts in the currency's
//! units, shares in per cent) turned into settings and rule terms, or the
//! error of the first wrong field.

use serde::Deserialize;

use crate::affiliation::error::Error;
use crate::affiliation::model::{Attribution, RewardKind, Side, Stage};
use crate::affiliation::programs::Settings;
use crate::affiliation::rulebook::Scope;
use crate::affiliation::rules::Terms;
use crate::model::{Amount, Currency};

fn number<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<Option<T>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| Error::invalid(field, "number", "a whole number"))
}

fn required<T>(field: &'static str, value: Option<T>) -> Result<T, Error> {
    value.ok_or_else(|| Error::invalid(field, "required", "required"))
}

/// `12,50` or `12.50` in the currency → minor units.
pub fn money(field: &'static str, text: &str, currency: Currency) -> Result<Option<i64>, Error> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    Amount::parse(&text, currency)
        .map(|amount| Some(amount.minor()))
        .map_err(|_| Error::invalid(field, "amount", "an amount such as 12.50"))
}

/// `12,5` (per cent) → 1250 basis points.
fn percent(field: &'static str, text: &str) -> Result<Option<i32>, Error> {
    let text = text.trim().replace(',', ".");
    if text.is_empty() {
        return Ok(None);
    }
    let value: f64 = text
        .parse()
        .map_err(|_| Error::invalid(field, "number", "a share such as 10 or 12.5"))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(Error::invalid(
            field,
            "more-than-the-payment",
            "a share between 0 and 100 %: a rule never pays more than the payment",
        ));
    }
    Ok(Some((value * 100.0).round() as i32))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    name: String,
    description: String,
    active: Option<String>,
    open_enrolment: Option<String>,
    attribution: String,
    cookie_days: String,
    holding_days: String,
    min_payout: String,
    review_days: String,
    donation_payee: String,
    donation_iban: String,
    bank_name: String,
    bank_iban: String,
    bank_bic: String,
}

impl SettingsForm {
    pub fn settings(&self, currency: Currency) -> Result<Settings, Error> {
        let text = |value: &str| Some(value.to_owned()).filter(|v| !v.trim().is_empty());
        let settings = Settings {
            name: self.name.clone(),
            description: self.description.clone(),
            active: self.active.is_some(),
            open_enrolment: self.open_enrolment.is_some(),
            attribution: self.attribution.parse().unwrap_or(Attribution::LastClick),
            cookie_days: number("cookie_days", &self.cookie_days)?.unwrap_or(30),
            holding_days: number("holding_days", &self.holding_days)?.unwrap_or(30),
            min_payout_minor: money("min_payout_minor", &self.min_payout, currency)?.unwrap_or(0),
            review_days: number("review_days", &self.review_days)?.unwrap_or(14),
            donation_payee: text(&self.donation_payee),
            donation_iban: text(&self.donation_iban),
            bank_name: text(&self.bank_name),
            bank_iban: text(&self.bank_iban),
            bank_bic: text(&self.bank_bic),
        };
        settings.validate()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RuleForm {
    stage: String,
    side: String,
    reward: String,
    /// A share in per cent (`percent`) or an amount.
    value: String,
    days: String,
    intro_count: String,
    intro_value: String,
    max_sales: String,
    cap: String,
    /// `program`, `group:<id>` or `affiliate:<id>`.
    scope: String,
}

impl RuleForm {
    pub fn terms(&self, currency: Currency) -> Result<(Scope, Terms), Error> {
        let stage: Stage = self
            .stage
            .parse()
            .map_err(|_| Error::invalid("stage", "required", "sign-up or payment"))?;
        let side: Side = self.side.parse().unwrap_or(Side::Referrer);
        let reward: RewardKind = self
            .reward
            .parse()
            .map_err(|_| Error::invalid("reward", "required", "choose a reward"))?;
        let share = reward == RewardKind::Percent;
        let terms = Terms {
            stage,
            side,
            reward,
            basis_points: if share {
                required("basis_points", percent("basis_points", &self.value)?)?.into()
            } else {
                None
            },
            amount_minor: match reward {
                RewardKind::Flat | RewardKind::Credit | RewardKind::Donation => Some(required(
                    "amount_minor",
                    money("amount_minor", &self.value, currency)?,
                )?),
                _ => None,
            },
            days: number("days", &self.days)?,
            intro_count: number("intro_count", &self.intro_count)?,
            intro_basis_points: if share {
                percent("intro_basis_points", &self.intro_value)?
            } else {
                None
            },
            intro_amount_minor: if share {
                None
            } else {
                money("intro_amount_minor", &self.intro_value, currency)?
            },
            max_sales: number("max_sales", &self.max_sales)?,
            cap_minor: money("cap_minor", &self.cap, currency)?,
        };
        let scope = match self.scope.split_once(':') {
            Some(("group", id)) => Scope {
                group_id: number("group_id", id)?,
                affiliate_id: None,
            },
            Some(("affiliate", id)) => Scope {
                group_id: None,
                affiliate_id: number("affiliate_id", id)?,
            },
            _ => Scope::default(),
        };
        Ok((scope, terms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_amounts_read_as_people_type_them() {
        assert!(matches!(percent("p", "12,5"), Ok(Some(1250))));
        assert!(matches!(
            percent("p", "150"),
            Err(Error::Invalid {
                code: "more-than-the-payment",
                ..
            })
        ));
        assert!(matches!(money("m", "12,50", Currency::EUR), Ok(Some(1250))));
        assert!(matches!(
            money("m", "-3", Currency::EUR),
            Err(Error::Invalid { field: "m", .. })
        ));
        assert!(matches!(money("m", "", Currency::EUR), Ok(None)));
    }
}
