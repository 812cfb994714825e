//! The association as a SEPA creditor: its own creditor identifier (ICS,
//! from its bank; never the platform's), name and structured address, the
//! account credited, the bank's lead time for files and how many days
//! before each debit members are told (which the mandate text repeats).
//! Direct debit is off until these are saved.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::fields;
use crate::audit::{self, Entry};
use crate::db::TenantTx;
use crate::error::Refusal;
use crate::sepa::{Address, CreditorId};

/// The creditor's settings, as forms and the API give them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Creditor {
    /// The SEPA creditor identifier (ICS): 13 characters in France.
    pub creditor_id: String,
    /// As the bank knows the association; at most 70 characters.
    pub name: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub post_code: String,
    pub town: String,
    /// ISO 3166 two-letter code.
    pub country: String,
    /// The account the debits credit.
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
    /// Days the bank wants a file before the collection date (1 to 10).
    pub lead_days: i16,
    /// Days before each debit its notice reaches the member (1 to 14; 14
    /// unless the mandate text says fewer).
    pub notice_days: i16,
}

impl Creditor {
    /// Tidies and checks every field; the first wrong one is named.
    pub fn checked(mut self) -> Result<Self, Refusal> {
        self.creditor_id = CreditorId::parse(&self.creditor_id)
            .map_err(|e| Refusal::invalid("creditor_id", "creditor-id", e.to_string()))?
            .to_string();
        self.name = fields::name("name", &self.name)?;
        let address = fields::address(&self.address())?;
        (self.street, self.building, self.post_code) =
            (address.street, address.building, address.post_code);
        (self.town, self.country) = (address.town, address.country);
        self.iban = fields::iban(&self.iban)?;
        self.bic = fields::bic(self.bic.as_deref())?;
        if !(1..=10).contains(&self.lead_days) {
            return Err(Refusal::invalid("lead_days", "lead-days", "1 to 10 days"));
        }
        if !(1..=14).contains(&self.notice_days) {
            return Err(Refusal::invalid(
                "notice_days",
                "notice-days",
                "1 to 14 days",
            ));
        }
        Ok(self)
    }

    /// The postal address, as SEPA files carry it.
    pub fn address(&self) -> Address {
        Address {
            street: self.street.clone(),
            building: self.building.clone(),
            post_code: self.post_code.clone(),
            town: self.town.clone(),
            country: self.country.clone(),
        }
    }
}

/// The settings, when saved.
pub async fn load(tx: &mut TenantTx) -> Result<Option<Creditor>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT creditor_id, creditor_name, street, building, post_code, town, country, iban, bic,
                lead_days, notice_days
         FROM sdd_settings"
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(|r| Creditor {
        creditor_id: r.creditor_id,
        name: r.creditor_name,
        street: r.street,
        building: r.building,
        post_code: r.post_code,
        town: r.town,
        country: r.country,
        iban: r.iban,
        bic: r.bic,
        lead_days: r.lead_days,
        notice_days: r.notice_days,
    }))
}

/// [`load`], holding the settings row until the transaction ends: the
/// runs that write debits (planning, a bank file, a bank report) take it
/// first, so two of them never work on the same debits at once.
pub async fn load_locked(tx: &mut TenantTx) -> Result<Option<Creditor>, sqlx::Error> {
    let locked = sqlx::query_scalar!("SELECT singleton FROM sdd_settings FOR UPDATE")
        .fetch_optional(tx.conn().await?)
        .await?;
    match locked {
        Some(_) => load(tx).await,
        None => Ok(None),
    }
}

/// Saves checked settings (audited: who changed the account credited).
pub async fn save(tx: &mut TenantTx, creditor: &Creditor, by: i64) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO sdd_settings (singleton, creditor_id, creditor_name, street, building, post_code,
                                   town, country, iban, bic, lead_days, notice_days)
         VALUES (true, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (singleton) DO UPDATE SET
           creditor_id = $1, creditor_name = $2, street = $3, building = $4, post_code = $5,
           town = $6, country = $7, iban = $8, bic = $9, lead_days = $10, notice_days = $11,
           updated_at = now()",
        creditor.creditor_id,
        creditor.name,
        creditor.street,
        creditor.building,
        creditor.post_code,
        creditor.town,
        creditor.country,
        creditor.iban,
        creditor.bic,
        creditor.lead_days,
        creditor.notice_days
    )
    .execute(tx.conn().await?)
    .await?;
    let entry = Entry::new("direct_debit.settings")
        .by(Some(by))
        .with(json!({ "creditor_id": creditor.creditor_id }));
    audit::record(tx, entry).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creditor() -> Creditor {
        Creditor {
            creditor_id: "fr72 zzz 123456".into(),
            name: " Club Nautique ".into(),
            street: "Quai de la Marine".into(),
            building: "3".into(),
            post_code: "34200".into(),
            town: "Sète".into(),
            country: "fr".into(),
            iban: "FR76 3000 6000 0112 3456 7890 189".into(),
            bic: Some(" ".into()),
            lead_days: 2,
            notice_days: 14,
        }
    }

    #[test]
    fn fields_are_tidied() {
        let checked = creditor().checked();
        let checked = checked.as_ref().ok();
        assert_eq!(
            checked.map(|c| c.creditor_id.as_str()),
            Some("FR72ZZZ123456")
        );
        assert_eq!(checked.map(|c| c.name.as_str()), Some("Club Nautique"));
        assert_eq!(checked.map(|c| c.country.as_str()), Some("FR"));
        assert_eq!(checked.and_then(|c| c.bic.clone()), None);
    }

    #[test]
    fn the_wrong_field_is_named() {
        type Spoil = fn(&mut Creditor);
        let cases: [(Spoil, &str); 6] = [
            (|c| c.creditor_id = "FR73ZZZ123456".into(), "creditor_id"),
            (
                |c| c.iban = "FR76 3000 6000 0112 3456 7890 188".into(),
                "iban",
            ),
            (|c| c.bic = Some("NOPE".into()), "bic"),
            (|c| c.town = String::new(), "town"),
            (|c| c.country = "France".into(), "country"),
            (|c| c.notice_days = 15, "notice_days"),
        ];
        for (spoil, field) in cases {
            let mut bad = creditor();
            spoil(&mut bad);
            assert_eq!(bad.checked().err().and_then(|e| e.field()), Some(field));
        }
    }
}
