//! The join form as posted, and its checking: which plan, which price (a
//! tier, or an amount on a free-amount plan), for whom (oneself, a new
//! household with the people named, or a household one already pays for)
//! and in how many instalments. Only what the person chose is used:
//! nothing is added, no tier is assumed when the plan has several.

use serde::{Deserialize, Serialize};

use super::Errors;
use crate::contributions::plans::Plan;
use crate::model::{Amount, Email};

/// Rows for new household members on the form.
pub const FAMILY_ROWS: usize = 4;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct JoinForm {
    pub plan: String,
    pub tier: String,
    pub amount: String,
    /// `me`, `new` (a new household) or a household id.
    pub who: String,
    pub household_name: String,
    pub include_me: String,
    pub name1: String,
    pub email1: String,
    pub name2: String,
    pub email2: String,
    pub name3: String,
    pub email3: String,
    pub name4: String,
    pub email4: String,
    pub instalments: String,
}

/// A new household member, by name and address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: Email,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Me,
    NewHousehold {
        name: String,
        include_me: bool,
        people: Vec<Person>,
    },
    /// A household one pays for: its members, and oneself if asked.
    Household {
        id: i64,
        include_me: bool,
    },
}

/// A checked join request (accounts not created yet).
#[derive(Debug, Clone)]
pub struct Choice {
    pub tier: Option<String>,
    pub amount: Option<Amount>,
    pub who: Who,
    pub instalments: u8,
}

impl JoinForm {
    /// The plan id the form names, if it is a number.
    pub fn plan_id(&self) -> Option<i64> {
        self.plan.trim().parse().ok()
    }

    fn rows(&self) -> [(&str, &str); FAMILY_ROWS] {
        [
            (&self.name1, &self.email1),
            (&self.name2, &self.email2),
            (&self.name3, &self.email3),
            (&self.name4, &self.email4),
        ]
    }

    /// Checks the form against `plan` and the households the person pays
    /// for; every mistake is reported at once.
    pub fn check(&self, plan: &Plan, my_households: &[i64]) -> Result<Choice, Errors> {
        let mut errors = Errors::default();
        let tier = self.tier(plan, &mut errors);
        let amount = self.amount(plan, &mut errors);
        let who = self.who(my_households, &mut errors);
        let instalments = match self.instalments.trim() {
            "" => 1,
            text => match text.parse::<u8>() {
                Ok(n) if (1..=plan.max_instalments).contains(&n) => n,
                _ => {
                    errors.add("instalments", "field-invalid-choice");
                    1
                }
            },
        };
        match (errors.is_empty(), who) {
            (true, Some(who)) => Ok(Choice {
                tier,
                amount,
                who,
                instalments,
            }),
            _ => Err(errors),
        }
    }

    fn tier(&self, plan: &Plan, errors: &mut Errors) -> Option<String> {
        if plan.free_amount {
            return None;
        }
        let code = self.tier.trim();
        match (code, plan.tiers.as_slice()) {
            // One price: nothing to choose.
            ("", [only]) => Some(only.code.clone()),
            ("", _) => {
                errors.add("tier", "membership-error-choose-tier");
                None
            }
            (code, _) if plan.tier(code).is_some() => Some(code.to_owned()),
            _ => {
                errors.add("tier", "field-invalid-choice");
                None
            }
        }
    }

    fn amount(&self, plan: &Plan, errors: &mut Errors) -> Option<Amount> {
        if !plan.free_amount {
            return None;
        }
        let text = self
            .amount
            .trim()
            .replace(['€', '\u{a0}', '\u{202f}', ' '], "");
        let text = text.replace(',', ".");
        match Amount::parse(&text, plan.currency) {
            Ok(amount) if plan.minimum.is_some_and(|m| amount.minor() < m.minor()) => {
                errors.add("amount", "membership-error-below-minimum");
                None
            }
            Ok(amount) if amount.minor() <= 0 => {
                errors.add("amount", "membership-error-amount");
                None
            }
            Ok(amount) => Some(amount),
            Err(_) => {
                errors.add("amount", "membership-error-amount");
                None
            }
        }
    }

    fn who(&self, my_households: &[i64], errors: &mut Errors) -> Option<Who> {
        match self.who.trim() {
            "" | "me" => Some(Who::Me),
            "new" => self.new_household(errors),
            id => match id.parse::<i64>() {
                Ok(id) if my_households.contains(&id) => Some(Who::Household {
                    id,
                    include_me: self.include_me == "on",
                }),
                _ => {
                    errors.add("who", "field-invalid-choice");
                    None
                }
            },
        }
    }

    fn new_household(&self, errors: &mut Errors) -> Option<Who> {
        let name = self.household_name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.add("household_name", "field-required");
        }
        let fields: [(&'static str, &'static str); FAMILY_ROWS] = [
            ("name1", "email1"),
            ("name2", "email2"),
            ("name3", "email3"),
            ("name4", "email4"),
        ];
        let mut people = Vec::new();
        for ((name, email), (name_field, email_field)) in self.rows().into_iter().zip(fields) {
            let (name, email) = (name.trim(), email.trim());
            if name.is_empty() && email.is_empty() {
                continue;
            }
            if name.is_empty()
                || name.chars().count() > 120
                || name.chars().any(crate::model::is_hidden_or_control)
            {
                errors.add(name_field, "field-invalid-name");
            }
            match Email::parse(email) {
                Ok(email) if !people.iter().any(|p: &Person| p.email == email) => {
                    people.push(Person {
                        name: name.to_owned(),
                        email,
                    })
                }
                _ => errors.add(email_field, "field-invalid-email"),
            }
        }
        let include_me = self.include_me == "on";
        if people.is_empty() && !include_me {
            errors.add("who", "membership-error-nobody");
        }
        errors.is_empty().then(|| Who::NewHousehold {
            name: name.to_owned(),
            include_me,
            people,
        })
    }
}
