//! Bank accounts as SEPA files name them: an IBAN (checked against the SWIFT
//! IBAN registry by `iban_validate`) and, optionally, the bank's BIC.

use std::fmt;

use iban::{Iban as CheckedIban, IbanLike, ParseBaseIbanError, ParseIbanError};

/// An IBAN in electronic form: upper case, no spaces, check digits and the
/// country's BBAN format verified. [`fmt::Display`] groups it by four, as
/// printed on paper; [`Iban::as_str`] is the form a file carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Iban(String);

/// Why an IBAN was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    #[error("not an IBAN (two letters, two check digits, then up to 30 letters or digits)")]
    Format,
    #[error("the IBAN's check digits are wrong (a mistyped character?)")]
    Checksum,
    #[error("no country issues IBANs with this country code")]
    UnknownCountry,
    #[error("the account number does not have this country's IBAN format")]
    CountryFormat,
}

impl Iban {
    /// Reads an IBAN as people type it: spaces anywhere, any case.
    pub fn parse(raw: &str) -> Result<Self, IbanError> {
        let electronic: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let checked: CheckedIban = electronic.parse().map_err(|error| match error {
            ParseIbanError::InvalidBaseIban {
                source: ParseBaseIbanError::InvalidChecksum,
            } => IbanError::Checksum,
            ParseIbanError::InvalidBaseIban { .. } => IbanError::Format,
            ParseIbanError::UnknownCountry(_) => IbanError::UnknownCountry,
            ParseIbanError::InvalidBban(_) => IbanError::CountryFormat,
        })?;
        Ok(Self(checked.electronic_str().to_owned()))
    }

    /// The electronic form, e.g. `FR7630006000011234567890189`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter ISO 3166 country code.
    pub fn country(&self) -> &str {
        self.0.get(..2).unwrap_or_default()
    }

    /// The bank's identifier in the account number, where the country's
    /// IBAN format has one (e.g. the French « code banque »).
    pub fn bank(&self) -> Option<String> {
        let checked: CheckedIban = self.0.parse().ok()?;
        checked.bank_identifier().map(str::to_owned)
    }
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (at, c) in self.0.chars().enumerate() {
            if at > 0 && at % 4 == 0 {
                f.write_str(" ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for Iban {
    type Error = IbanError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Iban> for String {
    fn from(iban: Iban) -> Self {
        iban.0
    }
}

/// A BIC (ISO 9362 business identifier code): 4 letters or digits for the
/// institution, 2 letters for the country, 2 letters or digits for the
/// location, and optionally 3 for the branch. Stored upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Bic(String);

/// Why a BIC was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BicError {
    #[error("a BIC has 8 or 11 characters, not {0}")]
    Length(usize),
    #[error(
        "not a BIC (4 letters or digits, a 2-letter country, 2 letters or digits, and an optional 3-character branch)"
    )]
    Shape,
}

impl Bic {
    /// Reads a BIC in any case, surrounding spaces ignored.
    pub fn parse(raw: &str) -> Result<Self, BicError> {
        let bic = raw.trim().to_ascii_uppercase();
        let length = bic.chars().count();
        if length != 8 && length != 11 {
            return Err(BicError::Length(length));
        }
        let bytes = bic.as_bytes();
        let shaped = bytes.iter().all(u8::is_ascii_alphanumeric)
            && bytes
                .get(4..6)
                .is_some_and(|country| country.iter().all(u8::is_ascii_alphabetic));
        if !shaped {
            return Err(BicError::Shape);
        }
        Ok(Self(bic))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Bic {
    type Error = BicError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Bic> for String {
    fn from(bic: Bic) -> Self {
        bic.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iban_is_stored_electronic_and_shown_in_groups_of_four() -> Result<(), IbanError> {
        let iban = Iban::parse(" fr76 3000 6000 0112 3456 7890 189 ")?;
        assert_eq!(iban.as_str(), "FR7630006000011234567890189");
        assert_eq!(iban.to_string(), "FR76 3000 6000 0112 3456 7890 189");
        assert_eq!(iban.country(), "FR");
        Ok(())
    }

    #[test]
    fn iban_errors_say_what_is_wrong() {
        assert_eq!(
            Iban::parse("FR7730006000011234567890189"),
            Err(IbanError::Checksum)
        );
        assert_eq!(Iban::parse("FR7"), Err(IbanError::Format));
        assert_eq!(Iban::parse("FR76-3000"), Err(IbanError::Format));
        assert_eq!(Iban::parse(""), Err(IbanError::Format));
        // Valid check digits, but a French BBAN is 23 characters.
        assert_eq!(Iban::parse("FR5312345"), Err(IbanError::CountryFormat));
        assert_eq!(Iban::parse("XX6712345"), Err(IbanError::UnknownCountry));
    }

    #[test]
    fn a_bic_has_eight_or_eleven_characters_with_a_country() -> Result<(), BicError> {
        assert_eq!(Bic::parse("bnpafrpp")?.as_str(), "BNPAFRPP");
        assert_eq!(Bic::parse("BNPAFRPPXXX")?.to_string(), "BNPAFRPPXXX");
        assert_eq!(Bic::parse("BNPAFRP"), Err(BicError::Length(7)));
        assert_eq!(Bic::parse("BNPAFRPPXX"), Err(BicError::Length(10)));
        assert_eq!(Bic::parse("BNPA12PP"), Err(BicError::Shape));
        assert_eq!(Bic::parse("BNPAFR-P"), Err(BicError::Shape));
        assert_eq!(Bic::parse("BNPAFRPé"), Err(BicError::Shape));
        Ok(())
    }
}
