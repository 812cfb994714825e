//! The association's contribution settings (one row): its currency, the
//! first month of its season, when renewal reminders go out, whether
//! treasurers get the weekly digest, and the bank details shown to members
//! who pay by transfer.

use super::error::Error;
use crate::db::TenantTx;
use crate::model::Currency;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Settings {
    #[schema(value_type = String, example = "EUR")]
    pub currency: Currency,
    /// 1 = January … 12 = December.
    pub season_start_month: u32,
    /// Days before (positive) or after (negative) the end of a period.
    pub reminder_days: Vec<i32>,
    pub weekly_digest: bool,
    pub bank_account_holder: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
}

pub async fn get(tx: &mut TenantTx) -> Result<Settings, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT currency, season_start_month, reminder_days, weekly_digest,
                bank_account_holder, iban, bic
         FROM contribution_settings"
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(Settings {
        currency: Currency::parse(&row.currency).unwrap_or_default(),
        season_start_month: u32::try_from(row.season_start_month).unwrap_or(9),
        reminder_days: row.reminder_days,
        weekly_digest: row.weekly_digest,
        bank_account_holder: row.bank_account_holder,
        iban: row.iban,
        bic: row.bic,
    })
}

/// Checks and saves; nothing is written when a field is wrong.
pub async fn update(tx: &mut TenantTx, settings: &Settings) -> Result<(), Error> {
    let checked = validate(settings)?;
    let month = i16::try_from(checked.season_start_month).unwrap_or(9);
    sqlx::query!(
        "UPDATE contribution_settings
         SET currency = $1, season_start_month = $2, reminder_days = $3, weekly_digest = $4,
             bank_account_holder = $5, iban = $6, bic = $7, updated_at = now()",
        checked.currency.code(),
        month,
        &checked.reminder_days,
        checked.weekly_digest,
        checked.bank_account_holder,
        checked.iban,
        checked.bic
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// The settings as they will be stored: trimmed, upper-cased, deduplicated.
pub fn validate(settings: &Settings) -> Result<Settings, Error> {
    if !(1..=12).contains(&settings.season_start_month) {
        return Err(Error::invalid(
            "season_start_month",
            "month",
            "a month from 1 to 12",
        ));
    }
    let mut days = settings.reminder_days.clone();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() > 8 || days.iter().any(|d| !(-365..=365).contains(d)) {
        return Err(Error::invalid(
            "reminder_days",
            "reminder-days",
            "at most 8 offsets, each within a year",
        ));
    }
    let iban = compact(settings.iban.as_deref());
    if iban.as_deref().is_some_and(|iban| !iban_is_valid(iban)) {
        return Err(Error::invalid("iban", "iban", "not a valid IBAN"));
    }
    let bic = compact(settings.bic.as_deref());
    if bic.as_ref().is_some_and(|bic| {
        !(bic.len() == 8 || bic.len() == 11) || !bic.bytes().all(|b| b.is_ascii_alphanumeric())
    }) {
        return Err(Error::invalid(
            "bic",
            "bic",
            "a BIC has 8 or 11 letters and digits",
        ));
    }
    let holder = settings
        .bank_account_holder
        .as_deref()
        .map(str::trim)
        .filter(|h| !h.is_empty());
    if holder.is_some_and(|h| h.chars().count() > 140) {
        return Err(Error::invalid(
            "bank_account_holder",
            "too-long",
            "at most 140 characters",
        ));
    }
    Ok(Settings {
        currency: settings.currency,
        season_start_month: settings.season_start_month,
        reminder_days: days,
        weekly_digest: settings.weekly_digest,
        bank_account_holder: holder.map(str::to_owned),
        iban,
        bic,
    })
}

fn compact(value: Option<&str>) -> Option<String> {
    value
        .map(|v| {
            v.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase()
        })
        .filter(|v| !v.is_empty())
}

/// ISO 13616: country, check digits, then mod 97 of the rearranged
/// number is 1.
pub fn iban_is_valid(iban: &str) -> bool {
    let bytes = iban.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[..2].iter().all(u8::is_ascii_uppercase)
        || !bytes[2..4].iter().all(u8::is_ascii_digit)
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    mod97(bytes[4..].iter().chain(&bytes[..4]).copied()) == Some(1)
}

/// The remainder mod 97 of the digits of `chars` (letters count as 10–35).
pub(crate) fn mod97(chars: impl Iterator<Item = u8>) -> Option<u32> {
    let mut remainder = 0_u32;
    for byte in chars {
        let value = match byte {
            b'0'..=b'9' => u32::from(byte - b'0'),
            b'A'..=b'Z' => u32::from(byte - b'A') + 10,
            _ => return None,
        };
        let width = if value >= 10 { 100 } else { 10 };
        remainder = (remainder * width + value) % 97;
    }
    Some(remainder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked() {
        assert!(iban_is_valid("FR1420041010050500013M02606"));
        assert!(iban_is_valid("DE89370400440532013000"));
        assert!(!iban_is_valid("FR1420041010050500013M02607"));
        assert!(!iban_is_valid("FR14"));
        assert!(!iban_is_valid("fr1420041010050500013M02606"));
    }

    #[test]
    fn settings_are_normalised_or_refused() -> Result<(), Box<dyn std::error::Error>> {
        let settings = Settings {
            currency: Currency::EUR,
            season_start_month: 9,
            reminder_days: vec![-7, 30, 7, 30],
            weekly_digest: true,
            bank_account_holder: Some("  Vélo Club  ".into()),
            iban: Some("fr14 2004 1010 0505 0001 3m02 606".into()),
            bic: Some("psstfrppxxx".into()),
        };
        let checked = validate(&settings)?;
        assert_eq!(checked.reminder_days, [30, 7, -7]);
        assert_eq!(checked.iban.as_deref(), Some("FR1420041010050500013M02606"));
        assert_eq!(checked.bic.as_deref(), Some("PSSTFRPPXXX"));
        assert_eq!(checked.bank_account_holder.as_deref(), Some("Vélo Club"));
        assert!(
            validate(&Settings {
                season_start_month: 13,
                ..settings.clone()
            })
            .is_err()
        );
        assert!(
            validate(&Settings {
                iban: Some("FR00 1234".into()),
                ..settings
            })
            .is_err()
        );
        Ok(())
    }
}
