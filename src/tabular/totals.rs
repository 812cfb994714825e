//! Totals counted as rows go by: the number of rows, and per money
//! column its sum in each currency (a sum never mixes currencies).

use std::collections::BTreeMap;

use super::{Cell, Column, Kind};
use crate::model::{Amount, Currency};

/// One money column's sum in one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Total {
    pub column: &'static str,
    pub currency: String,
    /// Decimal, e.g. `"1234.50"`.
    pub amount: String,
    #[serde(skip)]
    pub minor: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Totals {
    pub rows: u64,
    /// (column index, currency) → minor units (i128: no overflow on any
    /// number of rows).
    sums: BTreeMap<(usize, &'static str), i128>,
    money_columns: Vec<usize>,
}

impl Totals {
    pub fn new(columns: &[Column]) -> Self {
        Self {
            money_columns: (0..columns.len())
                .filter(|&i| columns[i].kind == Kind::Money)
                .collect(),
            ..Self::default()
        }
    }

    pub fn add(&mut self, row: &[Cell]) {
        self.rows += 1;
        for &i in &self.money_columns {
            if let Some(Cell::Money(amount)) = row.get(i) {
                *self.sums.entry((i, amount.currency().code())).or_default() +=
                    i128::from(amount.minor());
            }
        }
    }

    /// The sums, per column in column order, then per currency.
    pub fn sums(&self, columns: &[Column]) -> Vec<Total> {
        self.sums
            .iter()
            .filter_map(|(&(i, code), &minor)| {
                let currency = Currency::parse(code).ok()?;
                let minor = i64::try_from(minor).ok()?;
                let amount = Amount::new(minor, currency)?;
                Some(Total {
                    column: columns.get(i)?.key,
                    currency: code.to_owned(),
                    amount: amount.decimal(),
                    minor,
                })
            })
            .collect()
    }

    /// The sum of column `i` in `currency`, as an amount.
    pub fn amount(&self, i: usize, currency: Currency) -> Option<Amount> {
        let minor = self.sums.get(&(i, currency.code()))?;
        Amount::new(i64::try_from(*minor).ok()?, currency)
    }

    /// The currencies summed in column `i`.
    pub fn currencies(&self, i: usize) -> Vec<Currency> {
        self.sums
            .keys()
            .filter(|(column, _)| *column == i)
            .filter_map(|(_, code)| Currency::parse(code).ok())
            .collect()
    }
}
