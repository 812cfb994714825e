//! Programmes: their settings (attribution, cookie window, holding period,
//! payout threshold, review deadline, the payee of donation rewards), and
//! the self-referral checks a new one starts with.

use serde::{Deserialize, Serialize};

use super::books::Books;
use super::error::Error;
use super::model::Attribution;
use super::payouts::bank;
use crate::model::{Currency, MAX_MINOR};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Program {
    pub id: i64,
    #[serde(flatten)]
    pub settings: Settings,
    pub currency: String,
}

/// What staff set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Settings {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub open_enrolment: bool,
    #[serde(default = "last_click")]
    pub attribution: Attribution,
    #[serde(default = "thirty")]
    pub cookie_days: i32,
    #[serde(default = "thirty")]
    pub holding_days: i32,
    #[serde(default)]
    pub min_payout_minor: i64,
    #[serde(default = "fourteen")]
    pub review_days: i32,
    #[serde(default)]
    pub donation_payee: Option<String>,
    #[serde(default)]
    pub donation_iban: Option<String>,
    /// The account payouts leave from: holder, IBAN, BIC.
    #[serde(default)]
    pub bank_name: Option<String>,
    #[serde(default)]
    pub bank_iban: Option<String>,
    #[serde(default)]
    pub bank_bic: Option<String>,
}

fn yes() -> bool {
    true
}
fn last_click() -> Attribution {
    Attribution::LastClick
}
fn thirty() -> i32 {
    30
}
fn fourteen() -> i32 {
    14
}

impl Settings {
    pub fn named(name: &str) -> Self {
        Settings {
            name: name.to_owned(),
            description: String::new(),
            active: true,
            open_enrolment: true,
            attribution: Attribution::LastClick,
            cookie_days: 30,
            holding_days: 30,
            min_payout_minor: 0,
            review_days: 14,
            donation_payee: None,
            donation_iban: None,
            bank_name: None,
            bank_iban: None,
            bank_bic: None,
        }
    }

    /// Trims and checks; the IBAN is kept in its electronic form.
    pub fn validate(mut self) -> Result<Self, Error> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() || self.name.chars().count() > 120 {
            return Err(Error::invalid(
                "name",
                "name",
                "a name of 1 to 120 characters",
            ));
        }
        if self.description.chars().count() > 2000 {
            return Err(Error::invalid(
                "description",
                "too-long",
                "at most 2000 characters",
            ));
        }
        let ranges = [
            ("cookie_days", self.cookie_days, 1, 365),
            ("holding_days", self.holding_days, 0, 365),
            ("review_days", self.review_days, 1, 90),
        ];
        for (field, value, low, high) in ranges {
            if !(low..=high).contains(&value) {
                return Err(Error::invalid(
                    field,
                    "days",
                    format!("between {low} and {high} days"),
                ));
            }
        }
        if !(0..=MAX_MINOR).contains(&self.min_payout_minor) {
            return Err(Error::invalid(
                "min_payout_minor",
                "amount",
                "an amount of zero or more",
            ));
        }
        self.donation_payee = self
            .donation_payee
            .map(|payee| payee.trim().to_owned())
            .filter(|payee| !payee.is_empty());
        if self
            .donation_payee
            .as_ref()
            .is_some_and(|p| p.chars().count() > 70)
        {
            return Err(Error::invalid(
                "donation_payee",
                "too-long",
                "at most 70 characters",
            ));
        }
        self.donation_iban = bank::iban_field("donation_iban", self.donation_iban)?;
        self.bank_name = bank::name_field("bank_name", self.bank_name)?;
        self.bank_iban = bank::iban_field("bank_iban", self.bank_iban)?;
        self.bank_bic = bank::bic_field("bank_bic", self.bank_bic)?;
        Ok(self)
    }
}

/// The checks every new programme starts with (staff may change them).
const DEFAULT_CHECKS: &[(&str, i32)] = &[
    ("same_email", 8760),
    ("same_ip", 72),
    ("same_device", 720),
    ("same_payment_reference", 8760),
];

pub async fn create(
    books: &mut Books<'_>,
    settings: Settings,
    currency: Currency,
) -> Result<Program, Error> {
    let s = settings.validate()?;
    let id = sqlx::query_scalar!(
        "INSERT INTO aff_programs (name, description, active, open_enrolment, attribution, cookie_days,
                                   holding_days, min_payout_minor, currency, review_days, donation_payee, donation_iban,
                                   bank_name, bank_iban, bank_bic)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
        s.name,
        s.description,
        s.active,
        s.open_enrolment,
        s.attribution.as_str(),
        s.cookie_days,
        s.holding_days,
        s.min_payout_minor,
        currency.code(),
        s.review_days,
        s.donation_payee,
        s.donation_iban,
        s.bank_name,
        s.bank_iban,
        s.bank_bic
    )
    .fetch_one(books.conn().await?)
    .await?;
    for (kind, hours) in DEFAULT_CHECKS {
        sqlx::query!(
            "INSERT INTO aff_fraud_rules (program_id, check_kind, window_hours) VALUES ($1, $2, $3)",
            id,
            kind,
            hours
        )
        .execute(books.conn().await?)
        .await?;
    }
    Ok(Program {
        id,
        settings: s,
        currency: currency.code().to_owned(),
    })
}

pub async fn update(books: &mut Books<'_>, id: i64, settings: Settings) -> Result<Program, Error> {
    let s = settings.validate()?;
    let currency = sqlx::query_scalar!(
        "UPDATE aff_programs SET name = $2, description = $3, active = $4, open_enrolment = $5, attribution = $6,
                cookie_days = $7, holding_days = $8, min_payout_minor = $9, review_days = $10,
                donation_payee = $11, donation_iban = $12, bank_name = $13, bank_iban = $14, bank_bic = $15
         WHERE id = $1 RETURNING currency",
        id,
        s.name,
        s.description,
        s.active,
        s.open_enrolment,
        s.attribution.as_str(),
        s.cookie_days,
        s.holding_days,
        s.min_payout_minor,
        s.review_days,
        s.donation_payee,
        s.donation_iban,
        s.bank_name,
        s.bank_iban,
        s.bank_bic
    )
    .fetch_optional(books.conn().await?)
    .await?
    .ok_or(Error::NotFound("program"))?;
    Ok(Program {
        id,
        settings: s,
        currency,
    })
}

pub async fn list(books: &mut Books<'_>) -> Result<Vec<Program>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, name, description, active, open_enrolment, attribution, cookie_days, holding_days,
                min_payout_minor, currency, review_days, donation_payee, donation_iban, bank_name, bank_iban, bank_bic
         FROM aff_programs ORDER BY id"
    )
    .fetch_all(books.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Program {
            id: r.id,
            currency: r.currency,
            settings: Settings {
                name: r.name,
                description: r.description,
                active: r.active,
                open_enrolment: r.open_enrolment,
                attribution: r.attribution.parse().unwrap_or(Attribution::LastClick),
                cookie_days: r.cookie_days,
                holding_days: r.holding_days,
                min_payout_minor: r.min_payout_minor,
                review_days: r.review_days,
                donation_payee: r.donation_payee,
                donation_iban: r.donation_iban,
                bank_name: r.bank_name,
                bank_iban: r.bank_iban,
                bank_bic: r.bank_bic,
            },
        })
        .collect())
}

pub async fn find(books: &mut Books<'_>, id: i64) -> Result<Option<Program>, sqlx::Error> {
    Ok(list(books)
        .await?
        .into_iter()
        .find(|program| program.id == id))
}

impl Program {
    pub fn currency(&self) -> Currency {
        Currency::parse(&self.currency).unwrap_or(Currency::EUR)
    }
}
