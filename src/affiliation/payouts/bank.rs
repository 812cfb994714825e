//! Bank details as forms and the API give them: optional text fields
//! checked with the `sepa` module and kept in their electronic form.

use crate::affiliation::error::Error;
use crate::sepa::{Bic, Iban};

fn present(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub fn iban_field(field: &'static str, value: Option<String>) -> Result<Option<String>, Error> {
    present(value)
        .map(|v| {
            Iban::parse(&v)
                .map(|iban| iban.as_str().to_owned())
                .map_err(|_| Error::invalid(field, "iban", "not a valid IBAN"))
        })
        .transpose()
}

pub fn bic_field(field: &'static str, value: Option<String>) -> Result<Option<String>, Error> {
    present(value)
        .map(|v| {
            Bic::parse(&v)
                .map(|bic| bic.as_str().to_owned())
                .map_err(|_| Error::invalid(field, "bic", "not a valid BIC (8 or 11 characters)"))
        })
        .transpose()
}

pub fn name_field(field: &'static str, value: Option<String>) -> Result<Option<String>, Error> {
    match present(value) {
        Some(name) if name.chars().count() > 70 => {
            Err(Error::invalid(field, "too-long", "at most 70 characters"))
        }
        name => Ok(name),
    }
}

/// `FR7630006000011234567890189` → `FR76 •••• 0189`: enough to recognise.
pub fn masked(iban: &str) -> String {
    let tail: String = iban
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("{} •••• {tail}", iban.chars().take(4).collect::<String>())
}
