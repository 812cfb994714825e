//! The SEPA creditor identifier (« ICS » in France): the id a creditor
//! collects under, given by its bank and registered by the national bank.
//! Its shape (EPC262): the country, two check digits, a three-character
//! business code the check ignores, then the national identifier; the
//! check digits are ISO 7064 mod 97-10 over the national part and the
//! country, as for an IBAN. French ones have 13 characters.

use std::fmt;

/// A checked creditor identifier, upper case, without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CreditorId(String);

/// Why a creditor identifier was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreditorIdError {
    #[error(
        "not a creditor identifier (two letters, two check digits, three characters, then the national id)"
    )]
    Format,
    #[error(
        "a French creditor identifier (ICS) has 13 characters: FR, two digits, three characters, six more"
    )]
    FrenchLength,
    #[error("the creditor identifier's check digits are wrong (a mistyped character?)")]
    Checksum,
}

impl CreditorId {
    /// Reads an identifier as people type it: spaces anywhere, any case.
    pub fn parse(raw: &str) -> Result<Self, CreditorIdError> {
        let id: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let bytes = id.as_bytes();
        let shaped = (8..=35).contains(&bytes.len())
            && bytes.iter().all(u8::is_ascii_alphanumeric)
            && bytes
                .get(..2)
                .is_some_and(|c| c.iter().all(u8::is_ascii_uppercase))
            && bytes
                .get(2..4)
                .is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        if !shaped {
            return Err(CreditorIdError::Format);
        }
        if id.starts_with("FR") && id.len() != 13 {
            return Err(CreditorIdError::FrenchLength);
        }
        // The national part, then the country and check digits.
        let rearranged = format!("{}{}", &id[7..], &id[..4]);
        if mod97(&rearranged) != Some(1) {
            return Err(CreditorIdError::Checksum);
        }
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier's check digits for a national id in a country: what
    /// a bank computes when it issues one (used to build test ids).
    pub fn check_digits(country: &str, national: &str) -> Option<u8> {
        let remainder = mod97(&format!("{national}{country}00"))?;
        u8::try_from(98 - remainder).ok()
    }
}

/// ISO 7064 mod 97-10 of letters (A = 10 … Z = 35) and digits.
fn mod97(text: &str) -> Option<u32> {
    let mut remainder = 0u32;
    for c in text.chars() {
        let value = c.to_digit(36)?;
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    Some(remainder)
}

impl fmt::Display for CreditorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<CreditorId> for String {
    fn from(id: CreditorId) -> Self {
        id.0
    }
}

impl TryFrom<String> for CreditorId {
    type Error = CreditorIdError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_follow_the_national_part() {
        let digits = CreditorId::check_digits("FR", "123456");
        let id = format!("FR{:02}ZZZ123456", digits.unwrap_or(0));
        assert_eq!(CreditorId::parse(&id).map(String::from), Ok(id.clone()));
        // The business code is not checked: a creditor may use another.
        let other = id.replace("ZZZ", "ABC");
        assert!(CreditorId::parse(&other).is_ok());
        // Typed with spaces and in lower case.
        let typed = format!("{} {}", &id[..7], &id[7..]).to_lowercase();
        assert_eq!(CreditorId::parse(&typed), CreditorId::parse(&id));
    }

    #[test]
    fn known_identifiers_are_accepted() {
        // The German Bundesbank's published example, and its check digits.
        assert!(CreditorId::parse("DE98ZZZ09999999999").is_ok());
        assert_eq!(CreditorId::check_digits("DE", "09999999999"), Some(98));
    }

    #[test]
    fn mistakes_are_refused() {
        let good = format!(
            "FR{:02}ZZZ123456",
            CreditorId::check_digits("FR", "123456").unwrap_or(0)
        );
        let typo = good.replace("123456", "123465");
        assert_eq!(CreditorId::parse(&typo), Err(CreditorIdError::Checksum));
        assert_eq!(
            CreditorId::parse("FR12ZZZ1234567"),
            Err(CreditorIdError::FrenchLength)
        );
        for bad in ["", "FR", "12FRZZZ123456", "FRABZZZ123456", "FR12ZZZ12345!"] {
            assert_eq!(
                CreditorId::parse(bad),
                Err(CreditorIdError::Format),
                "{bad}"
            );
        }
    }
}
