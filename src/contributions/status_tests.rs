//! Table tests of the status rules.

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn day(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
}

/// The rules every tenant starts with (migration 0008).
fn default_rules() -> Vec<Rule> {
    vec![
        Rule {
            status: Status::New,
            from: (Event::Join, 0),
            to: Some((Event::Join, 90)),
        },
        Rule {
            status: Status::Current,
            from: (Event::Start, 0),
            to: Some((Event::End, 0)),
        },
        Rule {
            status: Status::Grace,
            from: (Event::End, 1),
            to: Some((Event::End, 30)),
        },
        Rule {
            status: Status::Expired,
            from: (Event::End, 31),
            to: None,
        },
    ]
}

fn paid(joined: &str, starts: &str, ends: Option<&str>) -> Result<Facts, chrono::ParseError> {
    Ok(Facts {
        joined_on: day(joined)?,
        starts_on: day(starts)?,
        ends_on: ends.map(day).transpose()?,
        amount_due: true,
        paid_any: true,
        payment_pending: false,
        payment_retrying: false,
        cancelled: false,
        overridden: None,
    })
}

#[test]
fn dates_drive_the_status_through_the_rules() -> TestResult {
    let rules = default_rules();
    let season = paid("2025-09-01", "2026-09-01", Some("2027-08-31"))?;
    let table = [
        (season, "2026-09-15", Status::Current),
        (season, "2027-08-31", Status::Current),
        (season, "2027-09-01", Status::Grace),
        (season, "2027-09-30", Status::Grace),
        (season, "2027-10-01", Status::Expired),
        // Joined less than 90 days ago: new.
        (
            paid("2026-10-01", "2026-09-01", Some("2027-08-31"))?,
            "2026-12-06",
            Status::New,
        ),
        (
            paid("2026-10-01", "2026-09-01", Some("2027-08-31"))?,
            "2027-01-15",
            Status::Current,
        ),
        // Paid in advance for a period that has not started.
        (
            paid("2024-09-01", "2027-09-01", Some("2028-08-31"))?,
            "2027-06-01",
            Status::Current,
        ),
        // Lifetime: no end, never grace nor expired.
        (
            paid("2020-01-01", "2020-01-01", None)?,
            "2040-01-01",
            Status::Current,
        ),
    ];
    for (facts, today, want) in table {
        assert_eq!(
            status_of(&rules, &facts, day(today)?),
            want,
            "{facts:?} on {today}"
        );
    }
    Ok(())
}

#[test]
fn unpaid_pending_and_retried_payments() -> TestResult {
    let rules = default_rules();
    let unpaid = Facts {
        paid_any: false,
        ..paid("2026-09-01", "2026-09-01", Some("2027-08-31"))?
    };
    assert_eq!(
        status_of(&rules, &unpaid, day("2026-10-01")?),
        Status::Pending
    );
    assert_eq!(
        status_of(&rules, &unpaid, day("2027-10-01")?),
        Status::Expired
    );
    // A payment on its way (transfer announced, card being retried) keeps
    // the member in grace, whatever the date.
    let retrying = Facts {
        payment_pending: true,
        ..unpaid
    };
    assert_eq!(
        status_of(&rules, &retrying, day("2027-10-01")?),
        Status::Grace
    );
    // Announced only, within the period: still pending; presented again
    // after a failed debit: in grace.
    let announced = Facts {
        payment_pending: true,
        ..unpaid
    };
    assert_eq!(
        status_of(&rules, &announced, day("2026-10-01")?),
        Status::Pending
    );
    let represented = Facts {
        payment_retrying: true,
        ..announced
    };
    assert_eq!(
        status_of(&rules, &represented, day("2026-10-01")?),
        Status::Grace
    );
    assert_eq!(
        status_of(&rules, &represented, day("2026-08-01")?),
        Status::Pending,
        "not before the period starts"
    );
    let renewing = Facts {
        payment_pending: true,
        ..paid("2025-09-01", "2025-09-01", Some("2026-08-31"))?
    };
    assert_eq!(
        status_of(&rules, &renewing, day("2026-12-01")?),
        Status::Grace
    );
    // A free membership is never pending.
    let free = Facts {
        amount_due: false,
        paid_any: false,
        ..paid("2020-09-01", "2026-09-01", Some("2027-08-31"))?
    };
    assert_eq!(
        status_of(&rules, &free, day("2026-10-01")?),
        Status::Current
    );
    Ok(())
}

#[test]
fn cancellation_and_overrides_beat_the_rules() -> TestResult {
    let rules = default_rules();
    let facts = paid("2025-09-01", "2026-09-01", Some("2027-08-31"))?;
    let cancelled = Facts {
        cancelled: true,
        ..facts
    };
    assert_eq!(
        status_of(&rules, &cancelled, day("2026-10-01")?),
        Status::Cancelled
    );
    let forced = Facts {
        overridden: Some(Status::Current),
        ..cancelled
    };
    assert_eq!(
        status_of(&rules, &forced, day("2030-01-01")?),
        Status::Current
    );
    Ok(())
}

#[test]
fn the_association_may_edit_the_rules() -> TestResult {
    // A 60-day grace, and no "new" status.
    let rules = vec![
        Rule {
            status: Status::Current,
            from: (Event::Start, 0),
            to: Some((Event::End, 0)),
        },
        Rule {
            status: Status::Grace,
            from: (Event::End, 1),
            to: Some((Event::End, 60)),
        },
        Rule {
            status: Status::Expired,
            from: (Event::End, 61),
            to: None,
        },
    ];
    let facts = paid("2027-08-01", "2026-09-01", Some("2027-08-31"))?;
    assert_eq!(
        status_of(&rules, &facts, day("2027-08-15")?),
        Status::Current
    );
    assert_eq!(status_of(&rules, &facts, day("2027-10-15")?), Status::Grace);
    assert_eq!(
        status_of(&rules, &facts, day("2027-10-31")?),
        Status::Expired
    );
    Ok(())
}
