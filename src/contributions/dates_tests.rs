//! Table tests of the period and amount rules.

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn day(text: &str) -> Result<NaiveDate, chrono::ParseError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
}

fn cycle(period: Period, anchor: Anchor, season_start_month: u32) -> Cycle {
    Cycle {
        period,
        anchor,
        season_start_month,
    }
}

#[test]
fn joining_periods_follow_the_season_or_the_anniversary() -> TestResult {
    use Anchor::*;
    use Period::*;
    let table = [
        // (period, anchor, season month, join on, starts, ends)
        (
            Yearly,
            Season,
            9,
            "2026-12-06",
            "2026-09-01",
            Some("2027-08-31"),
        ),
        (
            Yearly,
            Season,
            9,
            "2026-09-01",
            "2026-09-01",
            Some("2027-08-31"),
        ),
        (
            Yearly,
            Season,
            9,
            "2026-08-31",
            "2025-09-01",
            Some("2026-08-31"),
        ),
        (
            Yearly,
            Season,
            1,
            "2026-12-31",
            "2026-01-01",
            Some("2026-12-31"),
        ),
        (
            Yearly,
            Season,
            1,
            "2028-02-29",
            "2028-01-01",
            Some("2028-12-31"),
        ),
        (
            HalfYearly,
            Season,
            9,
            "2026-12-06",
            "2026-09-01",
            Some("2027-02-28"),
        ),
        (
            HalfYearly,
            Season,
            9,
            "2027-03-15",
            "2027-03-01",
            Some("2027-08-31"),
        ),
        (
            Quarterly,
            Season,
            9,
            "2026-12-06",
            "2026-12-01",
            Some("2027-02-28"),
        ),
        (
            Quarterly,
            Season,
            1,
            "2028-02-10",
            "2028-01-01",
            Some("2028-03-31"),
        ),
        (
            Monthly,
            Season,
            9,
            "2028-02-10",
            "2028-02-01",
            Some("2028-02-29"),
        ),
        (
            Yearly,
            Anniversary,
            9,
            "2026-12-06",
            "2026-12-06",
            Some("2027-12-05"),
        ),
        (
            Yearly,
            Anniversary,
            9,
            "2028-02-29",
            "2028-02-29",
            Some("2029-02-27"),
        ),
        (
            Monthly,
            Anniversary,
            9,
            "2026-01-31",
            "2026-01-31",
            Some("2026-02-27"),
        ),
        (
            OneOff,
            Season,
            9,
            "2026-12-06",
            "2026-09-01",
            Some("2027-08-31"),
        ),
        (Lifetime, Season, 9, "2026-12-06", "2026-12-06", None),
        (Lifetime, Anniversary, 9, "2026-12-06", "2026-12-06", None),
    ];
    for (period, anchor, month, on, starts, ends) in table {
        let span = cycle(period, anchor, month).joining(day(on)?);
        let expected_end = ends.map(day).transpose()?;
        assert_eq!(
            (span.starts_on, span.ends_on),
            (day(starts)?, expected_end),
            "{period} {anchor} from month {month}, joining on {on}"
        );
    }
    Ok(())
}

#[test]
fn renewals_chain_periods_without_drift() -> TestResult {
    // Anniversary on the 31st: Feb is clamped, March comes back to the 31st.
    let monthly = cycle(Period::Monthly, Anchor::Anniversary, 9);
    let start = day("2026-01-31")?;
    let mut span = monthly.joining(start);
    let mut ends = Vec::new();
    for _ in 0..4 {
        span = monthly.following(start, span).ok_or("renewable")?;
        ends.push((
            span.starts_on.to_string(),
            span.ends_on.map(|d| d.to_string()),
        ));
    }
    let expected = [
        ("2026-02-28", "2026-03-30"),
        ("2026-03-31", "2026-04-29"),
        ("2026-04-30", "2026-05-30"),
        ("2026-05-31", "2026-06-29"),
    ];
    for ((starts, ends), (want_start, want_end)) in ends.iter().zip(expected) {
        assert_eq!(
            (starts.as_str(), ends.as_deref()),
            (want_start, Some(want_end))
        );
    }
    // A leap-day anniversary comes back on 29 February four years later.
    let yearly = cycle(Period::Yearly, Anchor::Anniversary, 9);
    let leap = day("2028-02-29")?;
    let mut span = yearly.joining(leap);
    for _ in 0..4 {
        span = yearly.following(leap, span).ok_or("renewable")?;
    }
    assert_eq!(span.starts_on, day("2032-02-29")?);
    assert_eq!(span.ends_on, Some(day("2033-02-27")?));
    // Season periods follow each other.
    let season = cycle(Period::Yearly, Anchor::Season, 9);
    let first = season.joining(day("2026-10-10")?);
    let next = season
        .following(first.starts_on, first)
        .ok_or("renewable")?;
    assert_eq!(
        (next.starts_on, next.ends_on),
        (day("2027-09-01")?, Some(day("2028-08-31")?))
    );
    // One-off and lifetime plans are not renewed.
    for period in [Period::OneOff, Period::Lifetime] {
        let plan = cycle(period, Anchor::Season, 9);
        assert_eq!(
            plan.following(first.starts_on, plan.joining(day("2026-10-10")?)),
            None
        );
    }
    Ok(())
}

#[test]
fn joining_mid_season_is_pro_rated_by_month_or_quarter() -> TestResult {
    let yearly = cycle(Period::Yearly, Anchor::Season, 9);
    let table = [
        // (rule, join on, price, due): season 2026-09-01 .. 2027-08-31
        (ProRata::None, "2027-03-15", 12_000, 12_000),
        (ProRata::Monthly, "2026-09-01", 12_000, 12_000),
        (ProRata::Monthly, "2026-09-30", 12_000, 12_000),
        (ProRata::Monthly, "2026-10-01", 12_000, 11_000),
        (ProRata::Monthly, "2027-03-15", 12_000, 6_000),
        (ProRata::Monthly, "2027-08-31", 12_000, 1_000),
        (ProRata::Monthly, "2027-03-15", 1_000, 500),
        (ProRata::Monthly, "2026-10-01", 1_000, 917),
        (ProRata::Quarterly, "2026-11-30", 12_000, 12_000),
        (ProRata::Quarterly, "2026-12-01", 12_000, 9_000),
        (ProRata::Quarterly, "2027-08-01", 12_000, 3_000),
    ];
    for (rule, on, price, due) in table {
        let on = day(on)?;
        let span = yearly.joining(on);
        assert_eq!(
            pro_rated(price, rule, span, on, &yearly),
            due,
            "{rule} on {on}"
        );
    }
    // Anniversary periods start on the join date: nothing to pro-rate.
    let anniversary = cycle(Period::Yearly, Anchor::Anniversary, 9);
    let on = day("2027-03-15")?;
    let span = anniversary.joining(on);
    assert_eq!(
        pro_rated(12_000, ProRata::Monthly, span, on, &anniversary),
        12_000
    );
    Ok(())
}

#[test]
fn an_upgrade_credits_what_was_paid() {
    assert_eq!(upgrade_due(5_000, 3_000, true), (2_000, 3_000));
    assert_eq!(upgrade_due(5_000, 3_000, false), (5_000, 0));
    // Never a negative amount due, never more credit than the new price.
    assert_eq!(upgrade_due(2_000, 3_000, true), (0, 2_000));
    assert_eq!(upgrade_due(5_000, 0, true), (5_000, 0));
}

#[test]
fn instalments_add_up_and_fall_due_monthly() -> TestResult {
    let parts = instalments(10_000, 3, day("2027-01-31")?);
    let amounts: Vec<i64> = parts.iter().map(|(_, amount)| *amount).collect();
    assert_eq!(amounts, [3_334, 3_333, 3_333]);
    assert_eq!(amounts.iter().sum::<i64>(), 10_000);
    let dues: Vec<String> = parts.iter().map(|(due, _)| due.to_string()).collect();
    assert_eq!(dues, ["2027-01-31", "2027-02-28", "2027-03-31"]);
    assert_eq!(
        instalments(500, 1, day("2027-01-01")?),
        [(day("2027-01-01")?, 500)]
    );
    assert_eq!(max_instalments(Period::Yearly, 10), 10);
    assert_eq!(max_instalments(Period::Quarterly, 10), 3);
    assert_eq!(max_instalments(Period::Monthly, 4), 1);
    assert_eq!(max_instalments(Period::Lifetime, 4), 1);
    Ok(())
}

#[test]
fn household_prices_are_capped_in_proportion() {
    assert_eq!(capped(&[3_000, 3_000, 1_500], None), [3_000, 3_000, 1_500]);
    assert_eq!(
        capped(&[3_000, 3_000, 1_500], Some(10_000)),
        [3_000, 3_000, 1_500]
    );
    let shares = capped(&[3_000, 3_000, 1_500, 1_500], Some(6_000));
    assert_eq!(shares.iter().sum::<i64>(), 6_000);
    assert_eq!(shares, [2_000, 2_000, 1_000, 1_000]);
    let uneven = capped(&[1_000, 1_000, 1_000], Some(1_000));
    assert_eq!(uneven, [334, 333, 333]);
}
