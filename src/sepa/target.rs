//! The TARGET2 calendar, on which SEPA debits settle: every weekday except
//! New Year's Day, Good Friday, Easter Monday, 1 May, and 25 and 26
//! December. A collection date must be one of these days, and the bank's
//! lead time is counted in them.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday of `year` (the Gregorian computus of Meeus, Jones and
/// Butcher).
fn easter(year: i32) -> Option<NaiveDate> {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// Whether money settles on `date`.
pub fn is_business_day(date: NaiveDate) -> bool {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (12, 25) | (12, 26)
    );
    let easter_holiday = easter(date.year()).is_some_and(|sunday| {
        sunday.checked_sub_days(Days::new(2)) == Some(date)
            || sunday.checked_add_days(Days::new(1)) == Some(date)
    });
    !fixed && !easter_holiday
}

/// `date` itself when it is a business day, else the next one.
pub fn on_or_after(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while !is_business_day(day) {
        match day.succ_opt() {
            Some(next) => day = next,
            None => return date,
        }
    }
    day
}

/// The business day `count` business days after `date`.
pub fn add_business_days(date: NaiveDate, count: u32) -> NaiveDate {
    let mut day = date;
    for _ in 0..count {
        day = on_or_after(day.succ_opt().unwrap_or(day));
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, String> {
        NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("no {y}-{m}-{d}"))
    }

    #[test]
    fn easter_of_known_years() -> Result<(), String> {
        assert_eq!(easter(2024), Some(day(2024, 3, 31)?));
        assert_eq!(easter(2025), Some(day(2025, 4, 20)?));
        assert_eq!(easter(2026), Some(day(2026, 4, 5)?));
        assert_eq!(easter(2027), Some(day(2027, 3, 28)?));
        Ok(())
    }

    #[test]
    fn holidays_and_weekends_are_skipped() -> Result<(), String> {
        // Good Friday and Easter Monday 2026.
        assert!(!is_business_day(day(2026, 4, 3)?));
        assert!(!is_business_day(day(2026, 4, 6)?));
        assert!(is_business_day(day(2026, 4, 7)?));
        // 25 December 2026 is a Friday: the next business day is Monday 28.
        assert_eq!(on_or_after(day(2026, 12, 25)?), day(2026, 12, 28)?);
        // Two business days after Thursday 24 December 2026.
        assert_eq!(add_business_days(day(2026, 12, 24)?, 2), day(2026, 12, 29)?);
        assert_eq!(add_business_days(day(2026, 12, 7)?, 0), day(2026, 12, 7)?);
        Ok(())
    }
}
