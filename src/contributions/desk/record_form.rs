//! The « record a payment » form as typed and its checks: the payer, a
//! method a treasurer records by hand, the amount as typed (`12,50`),
//! the date received, a cheque's number (required) and bank, a transfer's
//! reference, a note, and the memberships ticked — or, for a donation,
//! the project it is earmarked for. Nothing reaches the store unless every
//! field is right.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::plan_form::money_key;
use super::search::Match;
use super::{Errors, optional};
use crate::contributions::Method;
use crate::model::{Amount, Currency};

/// The methods a treasurer records by hand (`online` is the providers').
pub const METHODS: [&str; 5] = ["cash", "cheque", "transfer", "card", "other"];

/// The form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Values {
    pub payer: String,
    pub method: String,
    pub amount: String,
    pub received_on: String,
    pub cheque_number: String,
    pub cheque_bank: String,
    pub reference: String,
    pub note: String,
    /// The project of a donation (an id; empty: none).
    pub project_id: String,
    /// Membership ids ticked (`memberships=1&memberships=2` comes as
    /// repeated fields; read by hand, see [`Values::from_fields`]).
    #[serde(skip)]
    pub memberships: Vec<i64>,
}

impl Values {
    pub fn from_fields(fields: &[(String, String)]) -> Self {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        Self {
            payer: get("payer"),
            method: get("method"),
            amount: get("amount"),
            received_on: get("received_on"),
            cheque_number: get("cheque_number"),
            cheque_bank: get("cheque_bank"),
            reference: get("reference"),
            note: get("note"),
            project_id: get("project_id"),
            memberships: fields
                .iter()
                .filter(|(key, _)| key == "memberships")
                .filter_map(|(_, value)| value.parse().ok())
                .collect(),
        }
    }
}

/// A payment ready for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub payer_id: i64,
    pub method: Method,
    pub amount: Amount,
    pub received_on: NaiveDate,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub reference: Option<String>,
    pub note: Option<String>,
    pub memberships: Vec<i64>,
    /// A donation for this project: it pays no membership.
    pub project_id: Option<i64>,
}

/// Checks every field; nothing is written unless all are right.
pub fn check(
    values: &Values,
    payer: Option<&Match>,
    currency: Currency,
) -> Result<Checked, Errors> {
    let mut errors = Errors::default();
    if payer.is_none() {
        errors.add("payer", "treasury-error-required");
    }
    let method = values
        .method
        .parse::<Method>()
        .ok()
        .filter(|m| METHODS.contains(&m.as_str()));
    if method.is_none() {
        errors.add("method", "treasury-error-required");
    }
    let amount = match Amount::parse(&values.amount, currency) {
        Ok(amount) if amount.is_positive() => Some(amount),
        Ok(_) => {
            errors.add("amount", "treasury-error-positive");
            None
        }
        Err(_) if values.amount.trim().is_empty() => {
            errors.add("amount", "treasury-error-required");
            None
        }
        Err(error) => {
            errors.add("amount", money_key(error));
            None
        }
    };
    let received_on = NaiveDate::parse_from_str(values.received_on.trim(), "%Y-%m-%d").ok();
    if received_on.is_none() {
        errors.add("received_on", "treasury-error-not-a-date");
    }
    let cheque_number = optional(&values.cheque_number);
    let cheque_bank = optional(&values.cheque_bank);
    if method == Some(Method::Cheque) && cheque_number.is_none() {
        errors.add("cheque_number", "treasury-error-cheque-number");
    }
    let limits = [
        ("cheque_number", &cheque_number, 40),
        ("cheque_bank", &cheque_bank, 80),
        ("reference", &optional(&values.reference), 35),
        ("note", &optional(&values.note), 1000),
    ];
    for (field, value, max) in limits {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.add(field, "treasury-error-too-long");
        }
    }
    let project_id = earmark(values, &mut errors);
    match (payer, method, amount, received_on) {
        (Some(payer), Some(method), Some(amount), Some(received_on)) if errors.is_empty() => {
            let cheque = method == Method::Cheque;
            Ok(Checked {
                payer_id: payer.id,
                method,
                amount,
                received_on,
                cheque_number: cheque_number.filter(|_| cheque),
                cheque_bank: cheque_bank.filter(|_| cheque),
                reference: optional(&values.reference),
                note: optional(&values.note),
                memberships: values.memberships.clone(),
                project_id,
            })
        }
        _ => Err(errors),
    }
}

/// The project chosen, if any: a donation cannot also pay memberships
/// (whether the project is open is the store's to say).
fn earmark(values: &Values, errors: &mut Errors) -> Option<i64> {
    let text = values.project_id.trim();
    if text.is_empty() {
        return None;
    }
    let Ok(id) = text.parse::<i64>() else {
        errors.add("project_id", "treasury-error-earmark");
        return None;
    };
    if !values.memberships.is_empty() {
        errors.add("project_id", "treasury-error-earmark-memberships");
    }
    Some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cheque_needs_its_number_and_amounts_are_checked() {
        let payer = Match {
            id: 7,
            name: "P".into(),
            email: "p@example.org".into(),
        };
        let values = Values {
            payer: "7".into(),
            method: "cheque".into(),
            amount: "12,50".into(),
            received_on: "2026-12-01".into(),
            ..Values::default()
        };
        let errors = check(&values, Some(&payer), Currency::EUR)
            .err()
            .unwrap_or_default();
        assert_eq!(errors.keys(), ["treasury-error-cheque-number"]);
        let cheque = Values {
            cheque_number: "0012345".into(),
            ..values.clone()
        };
        let checked = check(&cheque, Some(&payer), Currency::EUR).ok();
        assert_eq!(checked.map(|c| c.amount.minor()), Some(1250));
        for (amount, key) in [
            ("-5", "treasury-error-negative"),
            ("12,345", "treasury-error-too-precise"),
            ("0", "treasury-error-positive"),
            ("", "treasury-error-required"),
        ] {
            let bad = Values {
                amount: amount.into(),
                ..cheque.clone()
            };
            let errors = check(&bad, Some(&payer), Currency::EUR)
                .err()
                .unwrap_or_default();
            assert_eq!(errors.keys(), [key], "{amount}");
        }
        let online = Values {
            method: "online".into(),
            ..cheque
        };
        assert!(
            check(&online, Some(&payer), Currency::EUR).is_err(),
            "not by hand"
        );
    }
}
