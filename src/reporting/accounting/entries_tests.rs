use chrono::NaiveDate;

use super::*;
use crate::model::Currency;

fn eur(minor: i64) -> Amount {
    Amount::new(minor, Currency::EUR).unwrap_or(Amount::zero(Currency::EUR))
}

fn movement(
    movement: Movement,
    method: &str,
    minor: i64,
    plans: Vec<(i64, String, Amount)>,
) -> Entry {
    Entry {
        movement,
        on: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default(),
        payment_id: 7,
        payer_id: 3,
        payer_name: "Anne".into(),
        method: method.into(),
        reference: None,
        cheque_number: None,
        amount: eur(minor),
        plans,
    }
}

fn balanced(entry: &JournalEntry) -> bool {
    let debit: i64 = entry
        .lines
        .iter()
        .filter_map(|l| l.debit)
        .map(|a| a.minor())
        .sum();
    let credit: i64 = entry
        .lines
        .iter()
        .filter_map(|l| l.credit)
        .map(|a| a.minor())
        .sum();
    debit == credit
}

#[test]
fn a_payment_credits_its_plans_and_the_rest() {
    let mut chart = Chart::default();
    chart.plan_accounts.insert(1, "7561".into());
    let mut books = Books::default();
    let entry = books.entry(
        &chart,
        &movement(
            Movement::Received,
            "transfer",
            5_000,
            vec![(1, "A".into(), eur(3_000)), (2, "B".into(), eur(1_500))],
        ),
    );
    assert!(balanced(&entry));
    let accounts: Vec<&str> = entry.lines.iter().map(|l| l.account.as_str()).collect();
    assert_eq!(accounts, ["512", "7561", "756", "75411"]);
    assert_eq!((entry.journal.as_str(), entry.number), ("BQ", 1));
}

#[test]
fn a_refund_reverses_and_numbers_run_per_journal() {
    let chart = Chart::default();
    let mut books = Books::default();
    let cash = books.entry(
        &chart,
        &movement(
            Movement::Received,
            "cash",
            2_000,
            vec![(1, "A".into(), eur(2_000))],
        ),
    );
    let cheque = books.entry(
        &chart,
        &movement(Movement::Received, "cheque", 2_000, vec![]),
    );
    let refund = books.entry(
        &chart,
        &movement(
            Movement::Refunded,
            "cash",
            500,
            vec![(1, "A".into(), eur(500))],
        ),
    );
    assert_eq!((cash.journal.as_str(), cash.number), ("CA", 1));
    assert_eq!(
        (
            cheque.journal.as_str(),
            cheque.number,
            cheque.lines[0].account.as_str()
        ),
        ("BQ", 1, "5112")
    );
    assert_eq!((refund.journal.as_str(), refund.number), ("CA", 2));
    assert!(balanced(&refund));
    assert_eq!(refund.lines[0].debit, Some(eur(500)));
    assert_eq!(refund.lines[1].account, "530");
    assert_eq!(refund.piece, "R7");
}

#[test]
fn the_chart_is_checked_field_by_field() {
    let bad_siren = Chart {
        siren: Some("12345".into()),
        ..Chart::default()
    };
    assert_eq!(
        bad_siren.checked().err().and_then(|e| e.field()),
        Some("siren")
    );
    let bad_account = Chart {
        bank_account: "bank".into(),
        ..Chart::default()
    };
    assert_eq!(
        bad_account.checked().err().and_then(|e| e.field()),
        Some("bank_account")
    );
    let tidy = Chart {
        siren: Some(" 123 456 789 ".into()),
        bank_journal: "bq".into(),
        ..Chart::default()
    }
    .checked();
    assert!(
        matches!(tidy, Ok(c) if c.siren.as_deref() == Some("123456789") && c.bank_journal == "BQ")
    );
}
