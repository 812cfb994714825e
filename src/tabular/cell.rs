//! One cell of a table, and how it reads in each output: plain (CSV and
//! JSON: ISO dates, decimal point, no thousands separator) or for people
//! (page and PDF: the locale's money format).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::model::Amount;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Empty,
    Text(String),
    Integer(i64),
    Money(Amount),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
}

impl Cell {
    pub fn text(value: impl Into<String>) -> Self {
        Cell::Text(value.into())
    }

    /// `None` is an empty cell.
    pub fn optional(value: Option<impl Into<String>>) -> Self {
        value.map_or(Cell::Empty, |v| Cell::Text(v.into()))
    }

    /// For machines: CSV and JSON. Text a spreadsheet would run as a
    /// formula is defused.
    pub fn plain(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(text) => defuse(text),
            Cell::Integer(n) => Cow::Owned(n.to_string()),
            Cell::Money(amount) => Cow::Owned(amount.decimal()),
            Cell::Date(date) => Cow::Owned(date.to_string()),
            Cell::Timestamp(at) => Cow::Owned(at.to_rfc3339_opts(SecondsFormat::Secs, true)),
        }
    }

    /// For people: pages and PDF, in `locale`.
    pub fn display(&self, locale: &str) -> String {
        match self {
            Cell::Money(amount) => amount.format(locale),
            Cell::Date(date) if locale.starts_with("fr") => date.format("%d/%m/%Y").to_string(),
            Cell::Timestamp(at) if locale.starts_with("fr") => {
                at.format("%d/%m/%Y %H:%M").to_string()
            }
            Cell::Timestamp(at) => at.format("%Y-%m-%d %H:%M").to_string(),
            Cell::Text(text) => text.clone(),
            other => other.plain().into_owned(),
        }
    }

    /// As a JSON value: numbers stay numbers, amounts decimal strings
    /// (exact), dates ISO strings.
    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Empty => serde_json::Value::Null,
            Cell::Integer(n) => serde_json::Value::from(*n),
            Cell::Text(text) => serde_json::Value::from(text.as_str()),
            other => serde_json::Value::from(other.plain().into_owned()),
        }
    }
}

/// A text cell a spreadsheet would read as a formula gets a leading `'`
/// (OWASP "CSV injection").
pub fn defuse(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Currency;

    #[test]
    fn formula_like_cells_are_defused() {
        for bad in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(bad), format!("'{bad}"));
        }
        for fine in ["Anne", "", "1=1", " =x"] {
            assert_eq!(defuse(fine), fine);
        }
    }

    #[test]
    fn amounts_are_plain_decimals_for_machines() {
        let amount = Amount::new(123_450, Currency::EUR).map(Cell::Money);
        assert_eq!(
            amount.map(|c| c.plain().into_owned()).as_deref(),
            Some("1234.50")
        );
        assert_eq!(Cell::text("-1").plain(), "'-1");
    }
}
