use chrono::NaiveDate;

use super::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[test]
fn defaults_to_the_season_so_far() {
    let query = ReportQuery::default();
    let params = query.check(
        ReportKind::Payments,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Json,
    );
    assert!(
        matches!(params, Ok(p) if p.from == day(2026, 9, 1) && p.to == day(2026, 12, 6) && p.format == Format::Json)
    );
}

#[test]
fn renewals_look_ahead() {
    let params = ReportQuery::default().check(
        ReportKind::Renewals,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Html,
    );
    assert!(matches!(params, Ok(p) if p.from == day(2026, 12, 6) && p.to == day(2027, 2, 4)));
}

#[test]
fn refuses_what_a_report_does_not_read() {
    let query = ReportQuery {
        method: Some("cash".into()),
        ..Default::default()
    };
    let refused = query.check(
        ReportKind::Members,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Json,
    );
    assert_eq!(refused.err().map(|e| e.field), Some("method"));
}

#[test]
fn reads_status_as_the_report_kind() {
    let query = ReportQuery {
        status: Some("grace".into()),
        ..Default::default()
    };
    let members = query.check(
        ReportKind::Members,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Json,
    );
    assert!(matches!(members, Ok(p) if p.status == Some(StatusFilter::Membership(Status::Grace))));
    let payments = query.check(
        ReportKind::Payments,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Json,
    );
    assert_eq!(payments.err().map(|e| e.field), Some("status"));
}

#[test]
fn refuses_backwards_and_endless_periods() {
    let backwards = ReportQuery {
        from: Some("2026-05-01".into()),
        to: Some("2026-04-01".into()),
        ..Default::default()
    };
    let refused = backwards.check(
        ReportKind::Payments,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Json,
    );
    assert_eq!(refused.err().map(|e| e.field), Some("to"));
    let endless = ReportQuery {
        from: Some("1990-01-01".into()),
        ..Default::default()
    };
    let refused = endless.check(
        ReportKind::Payments,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Json,
    );
    assert_eq!(refused.err().map(|e| e.field), Some("from"));
}

#[test]
fn unknown_words_are_refused() {
    for (query, field) in [
        (
            ReportQuery {
                format: Some("docx".into()),
                ..Default::default()
            },
            "format",
        ),
        (
            ReportQuery {
                method: Some("gold".into()),
                ..Default::default()
            },
            "method",
        ),
        (
            ReportQuery {
                delimiter: Some("|".into()),
                ..Default::default()
            },
            "delimiter",
        ),
        (
            ReportQuery {
                from: Some("yesterday".into()),
                ..Default::default()
            },
            "from",
        ),
        (
            ReportQuery {
                plan_id: Some("x".into()),
                ..Default::default()
            },
            "plan_id",
        ),
    ] {
        let refused = query.check(
            ReportKind::Payments,
            day(2026, 12, 6),
            day(2026, 9, 1),
            Format::Json,
        );
        assert_eq!(refused.err().map(|e| e.field), Some(field));
    }
}

#[test]
fn empty_form_fields_count_as_absent() {
    let query = ReportQuery {
        from: Some(String::new()),
        plan_id: Some(" ".into()),
        method: Some(String::new()),
        ..Default::default()
    };
    let params = query.check(
        ReportKind::Members,
        day(2026, 12, 6),
        day(2026, 9, 1),
        Format::Html,
    );
    assert!(matches!(params, Ok(p) if p.from == day(2026, 9, 1) && p.plan_id.is_none()));
}
