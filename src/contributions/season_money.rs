//! The money of two seasons in one statement, for the dashboard's money
//! widgets (collected against last season, per month, per method, today):
//! each tenant's statements are planned afresh on every request (the
//! search path changes between tenants), so one grouped read replaces six.
//! The cells are summed in Rust by whichever widget is shown.

use chrono::NaiveDate;

use crate::db::TenantTx;
use crate::model::Currency;

/// The dates the cells are cut at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The first day of last season.
    pub from: NaiveDate,
    /// The first day of this season.
    pub split: NaiveDate,
    /// The last day of this season.
    pub to: NaiveDate,
    pub today: NaiveDate,
    /// The same date a year before, where last season's « so far » ends.
    pub last_today: NaiveDate,
}

/// Payments of one month and method (paid, or refunded in part or whole),
/// net of refunds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The first day of the month.
    pub month: NaiveDate,
    pub method: String,
    /// Received today.
    pub today: bool,
    /// Received by today in this season, by the same date in the last.
    pub so_far: bool,
    pub payments: i64,
    pub minor: i64,
}

/// Net money received over both seasons of `window`, in cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeasonMoney {
    split: Option<NaiveDate>,
    cells: Vec<Cell>,
}

/// Reads the cells of `window` in `currency`.
pub async fn read(
    tx: &mut TenantTx,
    currency: Currency,
    window: Window,
) -> Result<SeasonMoney, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT date_trunc('month', received_on)::date AS "month!", method,
                  received_on = $5 AS "today!",
                  received_on <= CASE WHEN received_on >= $3 THEN $5 ELSE $6 END AS "so_far!",
                  count(*) AS "payments!", sum(amount_minor - refunded_minor)::bigint AS "minor!"
           FROM payments
           WHERE status IN ('paid', 'refunded') AND currency = $1
             AND received_on BETWEEN $2 AND $4
           GROUP BY 1, 2, 3, 4"#,
        currency.code(),
        window.from,
        window.split,
        window.to,
        window.today,
        window.last_today
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let cells = rows
        .into_iter()
        .map(|r| Cell {
            month: r.month,
            method: r.method,
            today: r.today,
            so_far: r.so_far,
            payments: r.payments,
            minor: r.minor,
        })
        .collect();
    Ok(SeasonMoney {
        split: Some(window.split),
        cells,
    })
}

impl SeasonMoney {
    fn season(&self, this: bool) -> impl Iterator<Item = &Cell> {
        let split = self.split;
        self.cells
            .iter()
            .filter(move |c| split.is_some_and(|s| (c.month >= s) == this))
    }

    /// Collected so far: this season when `this`, else the last by the
    /// same date.
    pub fn so_far(&self, this: bool) -> i64 {
        self.season(this)
            .filter(|c| c.so_far)
            .map(|c| c.minor)
            .sum()
    }

    /// Today's payments: how many, and their sum.
    pub fn today(&self) -> (i64, i64) {
        self.cells
            .iter()
            .filter(|c| c.today)
            .fold((0, 0), |(n, m), c| (n + c.payments, m + c.minor))
    }

    /// Per month of a season, months without payments left out, in order.
    pub fn monthly(&self, this: bool) -> Vec<(NaiveDate, i64)> {
        let mut months: Vec<(NaiveDate, i64)> = Vec::new();
        for cell in self.season(this) {
            match months.iter_mut().find(|(m, _)| *m == cell.month) {
                Some((_, minor)) => *minor += cell.minor,
                None => months.push((cell.month, cell.minor)),
            }
        }
        months.sort_unstable();
        months
    }

    /// This season per method: `(method, payments, minor)`, most money
    /// first.
    pub fn by_method(&self) -> Vec<(String, i64, i64)> {
        let mut methods: Vec<(String, i64, i64)> = Vec::new();
        for cell in self.season(true) {
            match methods.iter_mut().find(|(m, _, _)| *m == cell.method) {
                Some((_, n, minor)) => {
                    *n += cell.payments;
                    *minor += cell.minor;
                }
                None => methods.push((cell.method.clone(), cell.payments, cell.minor)),
            }
        }
        methods.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        methods
    }
}

#[cfg(test)]
#[path = "season_money_tests.rs"]
mod tests;
