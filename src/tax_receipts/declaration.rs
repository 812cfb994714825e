//! What makes the association eligible, as its administrator declares it:
//! the kind of organisation (the boxes of form 2041-RD), the CGI articles
//! its gifts fall under (200: income tax; 978: IFI), its object, its SIREN
//! or RNA number (mandatory since Cerfa 11580*05), the address printed and
//! who signs. Nothing is issued until it is declared and switched on.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::Refusal;

/// The organisation types a receipt can tick.
pub const ORGANISATION_TYPES: [&str; 7] = [
    "association_1901",
    "recognised_public_utility",
    "foundation",
    "endowment_fund",
    "help_in_difficulty",
    "alsace_moselle_worship",
    "other",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Receipts are issued only while this is on.
    pub enabled: bool,
    /// One of `association_1901`, `recognised_public_utility`,
    /// `foundation`, `endowment_fund`, `help_in_difficulty`,
    /// `alsace_moselle_worship`, `other`.
    pub organisation_type: String,
    /// What « other » is.
    #[serde(default)]
    pub organisation_other: String,
    /// Gifts reduce income tax (art. 200 CGI).
    pub article_200: bool,
    /// Gifts reduce the property wealth tax (art. 978 CGI).
    #[serde(default)]
    pub article_978: bool,
    /// The association's object, as its statutes say.
    pub object: String,
    /// SIREN (nine digits) or RNA (`W` and nine characters).
    pub identifier: String,
    pub street: String,
    pub post_code: String,
    pub town: String,
    /// Who signs (printed): name and title (« Trésorière »).
    pub signatory_name: String,
    pub signatory_title: String,
}

fn text(field: &'static str, value: &str, max: usize) -> Result<String, Refusal> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(Refusal::invalid(
            field,
            "length",
            format!("1 to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A SIREN: nine digits whose Luhn sum is a multiple of ten.
fn siren_valid(digits: &str) -> bool {
    if digits.len() != 9 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// An RNA number: `W`, a digit or letter (the department), eight digits.
fn rna_valid(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() == 10
        && bytes[0] == b'W'
        && bytes[1].is_ascii_alphanumeric()
        && bytes[2..].iter().all(u8::is_ascii_digit)
}

/// The identifier tidied (spaces dropped, upper case), when valid.
pub fn identifier(raw: &str) -> Result<String, Refusal> {
    let tidy: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if siren_valid(&tidy) || rna_valid(&tidy) {
        Ok(tidy)
    } else {
        Err(Refusal::invalid(
            "identifier",
            "identifier",
            "a SIREN (nine digits) or an RNA number (W and nine characters)",
        ))
    }
}

impl Declaration {
    /// Tidies and checks; the first wrong field is named.
    pub fn checked(self) -> Result<Self, Refusal> {
        if !ORGANISATION_TYPES.contains(&self.organisation_type.as_str()) {
            return Err(Refusal::invalid(
                "organisation_type",
                "organisation-type",
                "one of the form's boxes",
            ));
        }
        let other = self.organisation_other.trim().to_owned();
        if self.organisation_type == "other" && other.is_empty() {
            return Err(Refusal::invalid(
                "organisation_other",
                "required",
                "say what kind of organisation",
            ));
        }
        if !self.article_200 && !self.article_978 {
            return Err(Refusal::invalid(
                "article_200",
                "article",
                "tick article 200, 978 or both",
            ));
        }
        Ok(Self {
            organisation_other: other.chars().take(200).collect(),
            object: text("object", &self.object, 500)?,
            identifier: identifier(&self.identifier)?,
            street: text("street", &self.street, 120)?,
            post_code: text("post_code", &self.post_code, 16)?,
            town: text("town", &self.town, 80)?,
            signatory_name: text("signatory_name", &self.signatory_name, 120)?,
            signatory_title: text("signatory_title", &self.signatory_title, 80)?,
            ..self
        })
    }
}

pub async fn load(tx: &mut TenantTx) -> Result<Option<Declaration>, sqlx::Error> {
    sqlx::query_as!(
        Declaration,
        "SELECT enabled, organisation_type, organisation_other, article_200, article_978, object,
                identifier, street, post_code, town, signatory_name, signatory_title
         FROM tax_receipt_settings"
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// The declaration, when receipts are switched on; refused otherwise.
pub async fn enabled(tx: &mut TenantTx) -> Result<Declaration, Refusal> {
    match load(tx).await? {
        Some(declaration) if declaration.enabled => Ok(declaration),
        _ => Err(Refusal::conflict(
            "not-enabled",
            "tax receipts are off: an administrator must declare the association first",
        )),
    }
}

/// Saves a checked declaration (audited).
pub async fn save(tx: &mut TenantTx, d: &Declaration, by: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO tax_receipt_settings (singleton, enabled, organisation_type, organisation_other,
             article_200, article_978, object, identifier, street, post_code, town, signatory_name,
             signatory_title)
         VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (singleton) DO UPDATE SET enabled = $1, organisation_type = $2,
             organisation_other = $3, article_200 = $4, article_978 = $5, object = $6,
             identifier = $7, street = $8, post_code = $9, town = $10, signatory_name = $11,
             signatory_title = $12, updated_at = now()",
        d.enabled,
        d.organisation_type,
        d.organisation_other,
        d.article_200,
        d.article_978,
        d.object,
        d.identifier,
        d.street,
        d.post_code,
        d.town,
        d.signatory_name,
        d.signatory_title
    )
    .execute(tx.conn().await?)
    .await?;
    let entry = Entry::new("tax_receipts.declaration.saved")
        .by(Some(by))
        .with(json!({ "enabled": d.enabled, "identifier": d.identifier }));
    audit::record(tx, entry).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siren_and_rna_numbers_are_checked() {
        // 732 829 320: a SIREN with a valid Luhn sum.
        assert_eq!(identifier("732 829 320").ok().as_deref(), Some("732829320"));
        assert!(identifier("732829321").is_err());
        assert_eq!(identifier("w751234567").ok().as_deref(), Some("W751234567"));
        assert!(identifier("W75123456").is_err());
        assert!(identifier("X751234567").is_err());
    }
}
