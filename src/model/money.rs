//! Money: an integer count of minor units (cents) with its ISO 4217
//! currency. Never a float: amounts are parsed from text, added with
//! overflow checks, and formatted per locale.

use std::fmt;
use std::str::FromStr;

/// Larger than any amount an association handles (10^13 minor units, i.e.
/// a hundred billion euros), and small enough that sums of millions of
/// payments cannot overflow an `i64`.
pub const MAX_MINOR: i64 = 10_000_000_000_000;

/// An ISO 4217 currency code we know the minor unit of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Currencies with their number of decimals; EUR first (the default).
const KNOWN: &[(&str, u32, &str)] = &[
    ("EUR", 2, "€"),
    ("CHF", 2, "CHF"),
    ("GBP", 2, "£"),
    ("USD", 2, "$"),
    ("CAD", 2, "$ CA"),
    ("XOF", 0, "F CFA"),
    ("XPF", 0, "F CFP"),
    ("MAD", 2, "MAD"),
    ("TND", 3, "DT"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("unknown currency (expected an ISO 4217 code such as EUR)")]
    UnknownCurrency,
    #[error("not an amount")]
    NotAnAmount,
    #[error("too many decimals for this currency")]
    TooPrecise,
    #[error("amount too large")]
    TooLarge,
    #[error("amount must not be negative")]
    Negative,
    #[error("currencies differ")]
    CurrencyMismatch,
}

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        KNOWN
            .iter()
            .find(|(known, _, _)| *known == upper)
            .and_then(|(known, _, _)| known.as_bytes().try_into().ok())
            .map(Currency)
            .ok_or(MoneyError::UnknownCurrency)
    }

    pub fn code(&self) -> &'static str {
        // Built only from KNOWN.
        self.entry().map_or("EUR", |(code, _, _)| code)
    }

    /// Number of decimals of the minor unit (2 for EUR, 0 for XOF).
    pub fn decimals(&self) -> u32 {
        self.entry().map_or(2, |(_, decimals, _)| *decimals)
    }

    pub fn symbol(&self) -> &'static str {
        self.entry().map_or("", |(_, _, symbol)| symbol)
    }

    fn entry(&self) -> Option<&'static (&'static str, u32, &'static str)> {
        KNOWN.iter().find(|(code, _, _)| code.as_bytes() == self.0)
    }

    /// Every currency a plan may use.
    pub fn all() -> impl Iterator<Item = Currency> {
        KNOWN
            .iter()
            .filter_map(|(code, _, _)| code.as_bytes().try_into().ok().map(Currency))
    }
}

impl Default for Currency {
    fn default() -> Self {
        Self::EUR
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.code().to_owned()
    }
}

/// An amount of money: minor units and a currency. May be negative (a
/// ledger's credit); [`Amount::parse`] only reads non-negative input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Amount {
    minor: i64,
    currency: Currency,
}

impl Amount {
    /// `None` when `minor` is beyond ±[`MAX_MINOR`].
    pub fn new(minor: i64, currency: Currency) -> Option<Self> {
        (minor.abs() <= MAX_MINOR).then_some(Self { minor, currency })
    }

    pub fn zero(currency: Currency) -> Self {
        Self { minor: 0, currency }
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub fn is_positive(&self) -> bool {
        self.minor > 0
    }

    /// Reads what a person typed: `12`, `12.5`, `12,50`, `1 234,56`, `€12`.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let cleaned: String = text
            .trim()
            .trim_start_matches(currency.symbol())
            .trim_end_matches(currency.symbol())
            .chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_' | '\''))
            .collect();
        if cleaned.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (whole, fraction) = match cleaned.rsplit_once(['.', ',']) {
            Some((whole, fraction)) if digits(fraction) => (whole, fraction),
            Some(_) => return Err(MoneyError::NotAnAmount),
            None => (cleaned.as_str(), ""),
        };
        if !digits(whole) {
            return Err(MoneyError::NotAnAmount);
        }
        let decimals = currency.decimals();
        if fraction.len() > decimals as usize {
            return Err(MoneyError::TooPrecise);
        }
        let scale = 10_i64.pow(decimals);
        let whole: i64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
        let padded = format!("{fraction:0<width$}", width = decimals as usize);
        let fraction: i64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| MoneyError::NotAnAmount)?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(fraction))
            .ok_or(MoneyError::TooLarge)?;
        Self::new(minor, currency).ok_or(MoneyError::TooLarge)
    }

    pub fn checked_add(self, other: Amount) -> Result<Amount, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::TooLarge)?;
        Self::new(minor, self.currency).ok_or(MoneyError::TooLarge)
    }

    pub fn checked_sub(self, other: Amount) -> Result<Amount, MoneyError> {
        self.checked_add(Amount {
            minor: -other.minor,
            ..other
        })
    }

    /// The plain decimal form, `1234.50`: for CSV, forms and JSON-minded
    /// programs.
    pub fn decimal(&self) -> String {
        let decimals = self.currency.decimals();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if decimals == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(decimals);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = decimals as usize
        )
    }

    /// As people read it in `locale`: `1 234,50 €` in French, `€1,234.50`
    /// in English.
    pub fn format(&self, locale: &str) -> String {
        let decimals = self.currency.decimals();
        let abs = self.minor.unsigned_abs();
        let scale = 10_u64.pow(decimals);
        let french = !locale.starts_with("en");
        let (group, point) = if french {
            ('\u{202f}', ',')
        } else {
            (',', '.')
        };
        let mut number = group_thousands(abs / scale, group);
        if decimals > 0 {
            number.push(point);
            number.push_str(&format!(
                "{:0width$}",
                abs % scale,
                width = decimals as usize
            ));
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        let symbol = self.currency.symbol();
        if french || symbol.len() > 2 && !symbol.starts_with(['$', '£', '€']) {
            format!("{sign}{number}\u{a0}{symbol}")
        } else {
            format!("{sign}{symbol}{number}")
        }
    }
}

fn group_thousands(mut value: u64, separator: char) -> String {
    let mut groups = Vec::new();
    loop {
        if value < 1000 {
            groups.push(value.to_string());
            break;
        }
        groups.push(format!("{:03}", value % 1000));
        value /= 1000;
    }
    groups.reverse();
    groups.join(&separator.to_string())
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.decimal(), self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn parses_what_people_type() -> TestResult {
        let eur = Currency::EUR;
        for (text, minor) in [
            ("12", 1200),
            ("12.5", 1250),
            ("12,50", 1250),
            ("1 234,56", 123_456),
            ("€12", 1200),
            ("12 €", 1200),
            ("0", 0),
            ("0,01", 1),
        ] {
            assert_eq!(Amount::parse(text, eur)?.minor(), minor, "{text}");
        }
        assert_eq!(
            Amount::parse("1500", Currency::parse("XOF")?)?.minor(),
            1500
        );
        Ok(())
    }

    #[test]
    fn refuses_what_is_not_an_amount() -> TestResult {
        let eur = Currency::EUR;
        assert_eq!(Amount::parse("-5", eur), Err(MoneyError::Negative));
        assert_eq!(Amount::parse("12,345", eur), Err(MoneyError::TooPrecise));
        assert_eq!(
            Amount::parse("1.5", Currency::parse("XOF")?),
            Err(MoneyError::TooPrecise)
        );
        for text in ["", "abc", "1e5", "12.", ".5", "NaN", "1.2.3x"] {
            assert_eq!(
                Amount::parse(text, eur),
                Err(MoneyError::NotAnAmount),
                "{text}"
            );
        }
        assert_eq!(
            Amount::parse("99999999999999999999999", eur),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Amount::parse("100000000001", eur),
            Err(MoneyError::TooLarge)
        );
        Ok(())
    }

    #[test]
    fn formats_per_locale() -> TestResult {
        let amount = Amount::new(123_450, Currency::EUR).ok_or("range")?;
        assert_eq!(amount.format("fr"), "1\u{202f}234,50\u{a0}€");
        assert_eq!(amount.format("en"), "€1,234.50");
        assert_eq!(amount.decimal(), "1234.50");
        let credit = Amount::new(-5, Currency::EUR).ok_or("range")?;
        assert_eq!(credit.decimal(), "-0.05");
        assert_eq!(credit.format("en"), "-€0.05");
        let cfa = Amount::new(15_000, Currency::parse("XOF")?).ok_or("range")?;
        assert_eq!(cfa.format("fr"), "15\u{202f}000\u{a0}F CFA");
        assert_eq!(cfa.format("en"), "15,000\u{a0}F CFA");
        Ok(())
    }

    #[test]
    fn arithmetic_checks_currency_and_overflow() -> TestResult {
        let eur = Amount::new(100, Currency::EUR).ok_or("range")?;
        let chf = Amount::new(100, Currency::parse("chf")?).ok_or("range")?;
        assert_eq!(eur.checked_add(chf), Err(MoneyError::CurrencyMismatch));
        assert_eq!(eur.checked_sub(eur)?.minor(), 0);
        let max = Amount::new(MAX_MINOR, Currency::EUR).ok_or("range")?;
        assert_eq!(max.checked_add(eur), Err(MoneyError::TooLarge));
        assert!(Amount::new(MAX_MINOR + 1, Currency::EUR).is_none());
        assert_eq!(Currency::parse("ZZZ"), Err(MoneyError::UnknownCurrency));
        Ok(())
    }
}
