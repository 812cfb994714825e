use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn cell(month: NaiveDate, method: &str, today: bool, so_far: bool, minor: i64) -> Cell {
    Cell {
        month,
        method: method.to_owned(),
        today,
        so_far,
        payments: 1,
        minor,
    }
}

fn sample() -> SeasonMoney {
    SeasonMoney {
        split: Some(day(2026, 9, 1)),
        cells: vec![
            cell(day(2025, 9, 1), "cash", false, true, 100),
            cell(day(2026, 6, 1), "card", false, false, 7),
            cell(day(2026, 9, 1), "cash", false, true, 1000),
            cell(day(2026, 9, 1), "card", false, true, 500),
            cell(day(2026, 12, 1), "card", true, true, 2000),
            cell(day(2027, 1, 1), "cheque", false, false, 40),
        ],
    }
}

#[test]
fn seasons_split_at_the_first_day_of_this_one() {
    let money = sample();
    assert_eq!(money.so_far(true), 3500);
    assert_eq!(money.so_far(false), 100);
    assert_eq!(money.today(), (1, 2000));
    assert_eq!(
        money.monthly(true),
        vec![
            (day(2026, 9, 1), 1500),
            (day(2026, 12, 1), 2000),
            (day(2027, 1, 1), 40)
        ]
    );
    assert_eq!(
        money.monthly(false),
        vec![(day(2025, 9, 1), 100), (day(2026, 6, 1), 7)]
    );
}

#[test]
fn methods_most_money_first() {
    let methods = sample().by_method();
    let names: Vec<&str> = methods.iter().map(|m| m.0.as_str()).collect();
    assert_eq!(names, ["card", "cash", "cheque"]);
    assert_eq!(methods.first().map(|m| (m.1, m.2)), Some((2, 2500)));
}

#[test]
fn nothing_read_is_nothing() {
    let money = SeasonMoney::default();
    assert_eq!(money.so_far(true), 0);
    assert!(money.monthly(true).is_empty());
}
