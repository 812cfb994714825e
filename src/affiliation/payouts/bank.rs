//! Bank details as forms and the API give them: optional text fields
//! checked with the `sepa` module and kept in their electronic form.

use crate::affiliation::books::Books;
use crate::affiliation::error::Error;
use crate::crypto::CryptoError;
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

/// The columns payees' IBANs are sealed for.
pub const AFFILIATE_IBAN: &str = "aff_affiliates.iban";
pub const PAYOUT_IBAN: &str = "aff_payouts.iban";

/// An IBAN as the books store it: `(clear, sealed)`, sealed wherever the
/// books have a keyring (see [`Books::keyring`]).
pub fn stored(
    books: &Books<'_>,
    iban: Option<&str>,
    column: &str,
) -> Result<(Option<String>, Option<Vec<u8>>), CryptoError> {
    match books.keyring() {
        Some(keyring) => Ok((None, keyring.seal_optional(iban, column)?)),
        None => Ok((iban.map(str::to_owned), None)),
    }
}

/// An IBAN as the books stored it, sealed or clear.
pub fn read(
    books: &Books<'_>,
    sealed: Option<&[u8]>,
    clear: Option<String>,
    column: &str,
) -> Option<String> {
    match (books.keyring(), sealed) {
        (Some(keyring), sealed) => keyring.open_or_clear(sealed, clear, column),
        (None, _) => clear,
    }
}
