//! Date and amount rules of membership periods, as pure functions: which
//! period a join or a renewal covers, what joining mid-period costs, the
//! credit of an upgrade, and how a price splits into instalments.
//!
//! Periods are closed intervals of dates `[starts_on, ends_on]`.
//! Anniversary periods are counted from the first day of the chain
//! (`anchor + n × months`, clamped to the month's end), so a member who
//! joined on 31 January renews on 28/29 February and on 31 March again:
//! the dates never drift.

use chrono::{Datelike, Months, NaiveDate};

use super::model::{Anchor, Period, ProRata};

/// The cyclic shape of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cycle {
    pub period: Period,
    pub anchor: Anchor,
    /// First month of the association's season (1–12).
    pub season_start_month: u32,
}

/// One period: from `starts_on` to `ends_on` (inclusive); `None`: lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Cycle {
    /// Months in one period; one-off plans cover one year, once.
    fn months(&self) -> Option<u32> {
        match self.period {
            Period::OneOff => Some(12),
            period => period.months(),
        }
    }

    /// The period someone joining on `on` gets: on a season plan, the
    /// season period that contains `on` (the member pays for it, pro-rated
    /// or not); on an anniversary plan, one that starts on `on`.
    pub fn joining(&self, on: NaiveDate) -> Span {
        let Some(months) = self.months() else {
            return Span {
                starts_on: on,
                ends_on: None,
            };
        };
        let starts_on = match self.anchor {
            Anchor::Anniversary => on,
            Anchor::Season => self.season_period_start(on, months),
        };
        let ends_on = add_months(starts_on, months).and_then(|next| next.pred_opt());
        Span { starts_on, ends_on }
    }

    /// The period after `previous`, whose chain started on `chain_start`.
    /// `None` for plans that are not renewed (one-off, lifetime).
    pub fn following(&self, chain_start: NaiveDate, previous: Span) -> Option<Span> {
        if matches!(self.period, Period::OneOff | Period::Lifetime) {
            return None;
        }
        let months = self.months()?;
        let starts_on = previous.ends_on?.succ_opt()?;
        let ends_on = match self.anchor {
            Anchor::Season => add_months(starts_on, months)?.pred_opt()?,
            Anchor::Anniversary => {
                // The n-th period of the chain, counted from its first day.
                let elapsed = months_between(chain_start, starts_on);
                let index = elapsed / months;
                add_months(chain_start, (index + 1) * months)?.pred_opt()?
            }
        };
        Some(Span {
            starts_on,
            ends_on: Some(ends_on),
        })
    }

    /// The first day of the season-aligned period containing `on`.
    fn season_period_start(&self, on: NaiveDate, months: u32) -> NaiveDate {
        let start_month0 = self.season_start_month.clamp(1, 12) - 1;
        // Months since the season's start month, in 0..12.
        let since_season = (on.month0() + 12 - start_month0) % 12;
        let into_period = since_season % months;
        let first_of_month = on.with_day(1).unwrap_or(on);
        first_of_month
            .checked_sub_months(Months::new(into_period))
            .unwrap_or(first_of_month)
    }
}

/// `date` plus `months`, clamped to the end of the month.
fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// Whole months from `from` to `to` (how many `add_months` fit).
fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if add_months(from, months.max(0) as u32).is_some_and(|d| d > to) {
        months -= 1;
    }
    months.max(0) as u32
}

/// What someone joining on `on` pays for `span`, when the full price is
/// `price` (minor units). Only season plans are pro-rated: an anniversary
/// period always starts on the join date.
pub fn pro_rated(price: i64, rule: ProRata, span: Span, on: NaiveDate, cycle: &Cycle) -> i64 {
    let (Some(months), Anchor::Season) = (cycle.months(), cycle.anchor) else {
        return price;
    };
    if on <= span.starts_on || cycle.period == Period::OneOff {
        return price;
    }
    // The current month or quarter counts as a whole one.
    let elapsed = months_between(
        span.starts_on.with_day(1).unwrap_or(span.starts_on),
        on.with_day(1).unwrap_or(on),
    );
    let (units_total, units_left) = match rule {
        ProRata::None => return price,
        ProRata::Monthly => (months, months.saturating_sub(elapsed)),
        ProRata::Quarterly => {
            let quarters = months.div_ceil(3);
            (quarters, quarters.saturating_sub(elapsed / 3))
        }
    };
    share(price, units_left, units_total)
}

/// `price × part / whole`, rounded to the nearest minor unit (half up).
fn share(price: i64, part: u32, whole: u32) -> i64 {
    if whole == 0 {
        return price;
    }
    let scaled = i128::from(price) * i128::from(part) * 2 + i128::from(whole);
    i64::try_from(scaled / (2 * i128::from(whole))).unwrap_or(price)
}

/// What moving up to a dearer plan costs: its price less what was already
/// paid for the current period (never below zero). Without credit, the
/// whole price.
pub fn upgrade_due(new_price: i64, already_paid: i64, credit_allowed: bool) -> (i64, i64) {
    if !credit_allowed {
        return (new_price, 0);
    }
    let credit = already_paid.clamp(0, new_price);
    (new_price - credit, credit)
}

/// Splits `amount` into `count` monthly instalments, the first due on
/// `first_due`; the first one carries the remainder so the parts add up.
pub fn instalments(amount: i64, count: u8, first_due: NaiveDate) -> Vec<(NaiveDate, i64)> {
    let count = i64::from(count.max(1));
    let part = amount / count;
    let remainder = amount - part * count;
    (0..count)
        .map(|n| {
            let due = add_months(first_due, n as u32).unwrap_or(first_due);
            let value = if n == 0 { part + remainder } else { part };
            (due, value)
        })
        .collect()
}

/// The most instalments a period allows: no more than its months, and
/// never more than the plan's maximum.
pub fn max_instalments(period: Period, plan_max: u8) -> u8 {
    let months = period.months().unwrap_or(1).min(12) as u8;
    plan_max.clamp(1, 12).min(months.max(1))
}

/// Splits `cap` across household members' prices in proportion to each,
/// when their sum exceeds it; the first member carries the remainder.
pub fn capped(prices: &[i64], cap: Option<i64>) -> Vec<i64> {
    let total: i64 = prices.iter().sum();
    let Some(cap) = cap.filter(|cap| total > *cap && total > 0) else {
        return prices.to_vec();
    };
    let mut shares: Vec<i64> = prices
        .iter()
        .map(|price| (i128::from(*price) * i128::from(cap) / i128::from(total)) as i64)
        .collect();
    let given: i64 = shares.iter().sum();
    if let Some(first) = shares.first_mut() {
        *first += cap - given;
    }
    shares
}

#[cfg(test)]
#[path = "dates_tests.rs"]
mod tests;
