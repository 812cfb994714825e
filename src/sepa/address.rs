//! Postal addresses as SEPA files carry them: structured (street, number,
//! postcode, town, country), the only form the EPC accepts from
//! November 2026 for unstructured ones are refused from then on.

use super::charset;
use super::error::{Field, Problem};

/// An address as stored: any text, reduced to the SEPA set when written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    pub street: String,
    pub building: String,
    pub post_code: String,
    /// Required.
    pub town: String,
    /// ISO 3166 two-letter code, required.
    pub country: String,
}

/// An address as it goes in the file: every part in the SEPA set and
/// within the schema's length; empty parts are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub street: Option<String>,
    pub building: Option<String>,
    pub post_code: Option<String>,
    pub town: String,
    pub country: String,
}

impl Address {
    /// Checks and converts; the first wrong part is returned.
    pub fn written(&self) -> Result<Written, (Field, Problem)> {
        let country = self.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err((Field::Country, Problem::CountryCode));
        }
        let town = part(&self.town, 35).map_err(|p| (Field::Town, p))?;
        let town = town.ok_or((Field::Town, Problem::Empty))?;
        Ok(Written {
            street: part(&self.street, 70).map_err(|p| (Field::Street, p))?,
            building: part(&self.building, 16).map_err(|p| (Field::Building, p))?,
            post_code: part(&self.post_code, 16).map_err(|p| (Field::PostCode, p))?,
            town,
            country,
        })
    }
}

/// A part in the SEPA set, `None` when empty, refused when too long (a
/// cut address may reach the wrong door).
fn part(raw: &str, max: usize) -> Result<Option<String>, Problem> {
    let text = charset::latin(raw.trim());
    let len = text.chars().count();
    match len {
        0 => Ok(None),
        _ if len > max => Err(Problem::TooLong { len, max }),
        _ => Ok(Some(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address() -> Address {
        Address {
            street: "Rue de l'Église".to_owned(),
            building: "12 bis".to_owned(),
            post_code: "34000".to_owned(),
            town: "Montpellier".to_owned(),
            country: "fr".to_owned(),
        }
    }

    #[test]
    fn parts_are_converted_and_empty_ones_left_out() {
        let mut given = address();
        given.building = " ".to_owned();
        let written = given.written();
        assert_eq!(
            written,
            Ok(Written {
                street: Some("Rue de l'Eglise".to_owned()),
                building: None,
                post_code: Some("34000".to_owned()),
                town: "Montpellier".to_owned(),
                country: "FR".to_owned(),
            })
        );
    }

    #[test]
    fn town_and_country_are_required() {
        let mut no_town = address();
        no_town.town = String::new();
        assert_eq!(no_town.written(), Err((Field::Town, Problem::Empty)));
        let mut no_country = address();
        no_country.country = "France".to_owned();
        assert_eq!(
            no_country.written(),
            Err((Field::Country, Problem::CountryCode))
        );
        let mut long = address();
        long.post_code = "1".repeat(17);
        assert_eq!(
            long.written(),
            Err((Field::PostCode, Problem::TooLong { len: 17, max: 16 }))
        );
    }
}
