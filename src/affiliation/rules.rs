//! Reward rules as data, and what they award. Pure: the store reads the
//! rules, this module checks a new one, picks the one that applies to an
//! affiliate (its own, then its group's, then the programme's) and computes
//! a reward from a payment, the sale's rank and what was already earned.

use super::error::Error;
use super::model::{LineReward, RewardKind, Side, Stage};
use crate::model::MAX_MINOR;

/// A rule as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Rule {
    pub id: i64,
    pub group_id: Option<i64>,
    pub affiliate_id: Option<i64>,
    #[serde(flatten)]
    pub terms: Terms,
}

/// What a rule says, as written by staff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Terms {
    pub stage: Stage,
    #[serde(default = "referrer")]
    pub side: Side,
    pub reward: RewardKind,
    /// `percent`: basis points of the payment (1000 = 10 %).
    #[serde(default)]
    pub basis_points: Option<i32>,
    /// `flat`, `credit`, `donation`: minor units.
    #[serde(default)]
    pub amount_minor: Option<i64>,
    /// `free_days`.
    #[serde(default)]
    pub days: Option<i32>,
    /// The first `intro_count` sales earn the intro rate or amount instead.
    #[serde(default)]
    pub intro_count: Option<i32>,
    #[serde(default)]
    pub intro_basis_points: Option<i32>,
    #[serde(default)]
    pub intro_amount_minor: Option<i64>,
    /// Only the first N sales of a referral earn (none: every sale).
    #[serde(default)]
    pub max_sales: Option<i32>,
    /// At most this much per referral, in minor units.
    #[serde(default)]
    pub cap_minor: Option<i64>,
}

fn referrer() -> Side {
    Side::Referrer
}

/// A reward to write in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Award {
    pub reward: LineReward,
    pub amount_minor: i64,
    pub days: i32,
}

fn money(field: &'static str, value: Option<i64>) -> Result<(), Error> {
    match value {
        Some(v) if !(0..=MAX_MINOR).contains(&v) => {
            Err(Error::invalid(field, "amount", "an amount of zero or more"))
        }
        _ => Ok(()),
    }
}

fn share(field: &'static str, value: Option<i32>) -> Result<(), Error> {
    match value {
        Some(v) if !(0..=10_000).contains(&v) => Err(Error::invalid(
            field,
            "more-than-the-payment",
            "a share between 0 and 10000 basis points (100 %): a rule never pays more than the payment",
        )),
        _ => Ok(()),
    }
}

fn require<T>(value: Option<T>, field: &'static str, what: &'static str) -> Result<(), Error> {
    match value {
        Some(_) => Ok(()),
        None => Err(Error::invalid(field, "required", what)),
    }
}

fn forbid<T>(value: Option<T>, field: &'static str, reward: RewardKind) -> Result<(), Error> {
    match value {
        Some(_) => Err(Error::invalid(
            field,
            "not-for-this-reward",
            format!("a {reward} reward has no {field}"),
        )),
        None => Ok(()),
    }
}

impl Terms {
    /// Checks a rule before it is stored.
    pub fn validate(&self) -> Result<(), Error> {
        share("basis_points", self.basis_points)?;
        share("intro_basis_points", self.intro_basis_points)?;
        money("amount_minor", self.amount_minor)?;
        money("intro_amount_minor", self.intro_amount_minor)?;
        match self.reward {
            RewardKind::Percent => {
                require(self.basis_points, "basis_points", "give the share")?;
                forbid(self.amount_minor, "amount_minor", self.reward)?;
                forbid(self.intro_amount_minor, "intro_amount_minor", self.reward)?;
                if self.stage == Stage::Lead {
                    return Err(Error::invalid(
                        "reward",
                        "percent-of-nothing",
                        "a sign-up has no amount to take a share of: use a flat reward",
                    ));
                }
            }
            RewardKind::FreeDays => {
                require(self.days, "days", "give the number of days")?;
                if !(1..=3660).contains(&self.days.unwrap_or(0)) {
                    return Err(Error::invalid("days", "days", "between 1 and 3660 days"));
                }
                forbid(self.amount_minor, "amount_minor", self.reward)?;
            }
            RewardKind::Flat | RewardKind::Credit | RewardKind::Donation => {
                require(self.amount_minor, "amount_minor", "give the amount")?;
                forbid(self.basis_points, "basis_points", self.reward)?;
            }
        }
        if self.reward != RewardKind::FreeDays {
            forbid(self.days, "days", self.reward)?;
        }
        if self.reward != RewardKind::Percent {
            forbid(self.intro_basis_points, "intro_basis_points", self.reward)?;
        }
        if self.side == Side::Referred
            && !matches!(self.reward, RewardKind::Credit | RewardKind::FreeDays)
        {
            return Err(Error::invalid(
                "side",
                "referred-reward",
                "the person referred is rewarded with a credit or free days",
            ));
        }
        let intro_given = self.intro_basis_points.is_some() || self.intro_amount_minor.is_some();
        if self.intro_count.is_some() != intro_given {
            return Err(Error::invalid(
                "intro_count",
                "intro",
                "an introductory rate needs both a number of sales and a rate",
            ));
        }
        if let Some(count) = self.intro_count
            && !(1..=1000).contains(&count)
        {
            return Err(Error::invalid("intro_count", "count", "between 1 and 1000"));
        }
        if let Some(max) = self.max_sales
            && !(1..=1000).contains(&max)
        {
            return Err(Error::invalid("max_sales", "count", "between 1 and 1000"));
        }
        if let Some(cap) = self.cap_minor
            && !(1..=MAX_MINOR).contains(&cap)
        {
            return Err(Error::invalid("cap_minor", "amount", "a cap above zero"));
        }
        Ok(())
    }

    /// What this rule awards for a sale of rank `rank` (1: the referral's
    /// first payment) of `payment_minor`, when `earned_minor` was already
    /// earned under it for this referral; or for a lead (`payment_minor` 0,
    /// rank 1). `None`: nothing.
    pub fn award(&self, rank: i32, payment_minor: i64, earned_minor: i64) -> Option<Award> {
        if self.max_sales.is_some_and(|max| rank > max) {
            return None;
        }
        let intro = self.intro_count.is_some_and(|count| rank <= count);
        let reward = match self.reward {
            RewardKind::Percent | RewardKind::Flat => LineReward::Cash,
            RewardKind::Credit => LineReward::Credit,
            RewardKind::FreeDays => LineReward::FreeDays,
            RewardKind::Donation => LineReward::Donation,
        };
        if self.reward == RewardKind::FreeDays {
            return self.days.map(|days| Award {
                reward,
                amount_minor: 0,
                days,
            });
        }
        let raw = match self.reward {
            RewardKind::Percent => {
                let points = if intro {
                    self.intro_basis_points
                } else {
                    self.basis_points
                }?;
                // Rounded down: never a cent more than the share.
                i64::try_from(i128::from(payment_minor) * i128::from(points) / 10_000).ok()?
            }
            _ => {
                let amount = if intro {
                    self.intro_amount_minor
                } else {
                    self.amount_minor
                }?;
                // A flat sale reward never exceeds the payment.
                match self.stage {
                    Stage::Sale => amount.min(payment_minor),
                    Stage::Lead => amount,
                }
            }
        };
        let left = self
            .cap_minor
            .map_or(raw, |cap| cap.saturating_sub(earned_minor));
        let amount = raw.min(left);
        (amount > 0).then_some(Award {
            reward,
            amount_minor: amount,
            days: 0,
        })
    }
}

/// The rule of `stage` and `side` for an affiliate: its own, else its
/// group's, else the programme's; the newest at each level.
pub fn pick(
    rules: &[Rule],
    stage: Stage,
    side: Side,
    affiliate_id: i64,
    group_id: Option<i64>,
) -> Option<&Rule> {
    let fits = |rule: &&Rule| rule.terms.stage == stage && rule.terms.side == side;
    let newest = |level: &dyn Fn(&Rule) -> bool| {
        rules
            .iter()
            .filter(fits)
            .filter(|rule| level(rule))
            .max_by_key(|rule| rule.id)
    };
    newest(&|rule| rule.affiliate_id == Some(affiliate_id))
        .or_else(|| newest(&|rule| group_id.is_some() && rule.group_id == group_id))
        .or_else(|| newest(&|rule| rule.affiliate_id.is_none() && rule.group_id.is_none()))
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
