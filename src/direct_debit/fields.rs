//! Form and API fields of direct debit checked with the `sepa` module:
//! an account, a bank, a name as banks match it, a structured address.
//! Each refusal names its field.

use crate::error::Refusal;
use crate::sepa::{Address, Bic, Field, Iban};

/// An IBAN as typed, in its electronic form.
pub fn iban(value: &str) -> Result<String, Refusal> {
    Iban::parse(value)
        .map(|iban| iban.as_str().to_owned())
        .map_err(|e| Refusal::invalid("iban", "iban", e.to_string()))
}

/// An optional BIC; empty is none.
pub fn bic(value: Option<&str>) -> Result<Option<String>, Refusal> {
    match value.map(str::trim).filter(|b| !b.is_empty()) {
        Some(bic) => Bic::parse(bic)
            .map(|bic| Some(bic.as_str().to_owned()))
            .map_err(|e| Refusal::invalid("bic", "bic", e.to_string())),
        None => Ok(None),
    }
}

/// A name of 1 to 70 characters, trimmed.
pub fn name(field: &'static str, value: &str) -> Result<String, Refusal> {
    let name = value.trim();
    if (1..=70).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err(Refusal::invalid(field, "name", "1 to 70 characters"))
    }
}

/// A structured address, trimmed, its country upper-cased; refused when
/// a SEPA file could not carry it.
pub fn address(given: &Address) -> Result<Address, Refusal> {
    let address = Address {
        street: given.street.trim().to_owned(),
        building: given.building.trim().to_owned(),
        post_code: given.post_code.trim().to_owned(),
        town: given.town.trim().to_owned(),
        country: given.country.trim().to_ascii_uppercase(),
    };
    address.written().map_err(|(field, problem)| {
        let name = match field {
            Field::Street => "street",
            Field::Building => "building",
            Field::PostCode => "post_code",
            Field::Country => "country",
            _ => "town",
        };
        Refusal::invalid(name, "address", format!("{field} {problem}"))
    })?;
    Ok(address)
}
