//! A mandate as a member (or a treasurer copying a paper one) fills it in,
//! checked field by field before anything is written.

use serde::Deserialize;
use utoipa::ToSchema;

use super::Kind;
use crate::direct_debit::fields;
use crate::error::Refusal;
use crate::sepa::Address;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMandate {
    pub kind: Kind,
    /// The account holder, as the bank knows them: at most 70 characters.
    pub debtor_name: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub post_code: String,
    pub town: String,
    /// ISO 3166 two-letter code.
    pub country: String,
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
    /// Where it was signed (the town), as the mandate form asks.
    #[serde(default)]
    pub signed_place: String,
}

impl NewMandate {
    /// Tidies and checks; the first wrong field is named.
    pub fn checked(mut self) -> Result<Self, Refusal> {
        self.debtor_name = fields::name("debtor_name", &self.debtor_name)?;
        let address = fields::address(&Address {
            street: self.street,
            building: self.building,
            post_code: self.post_code,
            town: self.town,
            country: self.country,
        })?;
        (self.street, self.building, self.post_code) =
            (address.street, address.building, address.post_code);
        (self.town, self.country) = (address.town, address.country);
        self.iban = fields::iban(&self.iban)?;
        self.bic = fields::bic(self.bic.as_deref())?;
        self.signed_place = self.signed_place.trim().to_owned();
        if self.signed_place.chars().count() > 80 {
            return Err(Refusal::invalid(
                "signed_place",
                "place",
                "at most 80 characters",
            ));
        }
        Ok(self)
    }
}
