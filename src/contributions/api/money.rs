//! Money in the API's JSON, one shape everywhere: `{"minor": 2500,
//! "currency": "EUR"}` in requests; the same with `"decimal": "25.00"` in
//! answers. Minor units are integers: `25.5` or `1e3` is refused, as is a
//! number beyond [`MAX_MINOR`](crate::model::MAX_MINOR).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppError;
use crate::model::{Amount, Currency, MoneyError};

/// An amount as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MoneyView {
    /// Integer count of minor units (cents).
    pub minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The same amount as a decimal string, e.g. `25.00`.
    pub decimal: String,
}

impl From<Amount> for MoneyView {
    fn from(amount: Amount) -> Self {
        Self {
            minor: amount.minor(),
            currency: amount.currency().code().to_owned(),
            decimal: amount.decimal(),
        }
    }
}

/// An amount as a client sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    /// Integer count of minor units (cents), not negative.
    pub minor: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// Ignored if given (answers carry it); must then agree with `minor`.
    #[serde(default)]
    pub decimal: Option<String>,
}

impl MoneyInput {
    /// The amount, or a 422 saying what is wrong with it.
    pub fn amount(&self, field: &str) -> Result<Amount, AppError> {
        let invalid = |why: &str| AppError::Unprocessable(format!("{field}: {why}").into());
        let currency = Currency::parse(&self.currency)
            .map_err(|_| invalid("unknown currency (expected an ISO 4217 code such as EUR)"))?;
        if self.minor < 0 {
            return Err(invalid("must not be negative"));
        }
        let amount =
            Amount::new(self.minor, currency).ok_or_else(|| invalid("amount too large"))?;
        if let Some(decimal) = &self.decimal {
            match Amount::parse(decimal, currency) {
                Ok(same) if same == amount => {}
                Err(MoneyError::TooPrecise) => {
                    return Err(invalid("too many decimals for this currency"));
                }
                _ => return Err(invalid("decimal and minor disagree")),
            }
        }
        Ok(amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(minor: i64, currency: &str, decimal: Option<&str>) -> MoneyInput {
        MoneyInput {
            minor,
            currency: currency.into(),
            decimal: decimal.map(Into::into),
        }
    }

    #[test]
    fn amounts_are_checked() {
        assert_eq!(
            input(2500, "eur", None).amount("a").map(|a| a.minor()).ok(),
            Some(2500)
        );
        assert!(input(-1, "EUR", None).amount("a").is_err());
        assert!(input(2500, "XXX", None).amount("a").is_err());
        assert!(input(i64::MAX, "EUR", None).amount("a").is_err());
        assert!(input(2500, "EUR", Some("25.001")).amount("a").is_err());
        assert!(input(2500, "EUR", Some("26")).amount("a").is_err());
        assert!(input(2500, "EUR", Some("25.00")).amount("a").is_ok());
        let view = MoneyView::from(
            Amount::new(2550, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR)),
        );
        assert_eq!(view.decimal, "25.50");
    }
}
