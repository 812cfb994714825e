//! Reports on a schedule: weekly (the last whole week, Monday to Sunday)
//! or monthly (the last calendar month), to a treasurer or an admin. The
//! daily job ([`run_due`]) sums each due report and tells its recipient
//! through notifications (kind « reports »: the list and a mail by
//! default), with the link that downloads the file once signed in: the
//! rows (personal data) stay behind the portal's sign-in, not in
//! mailboxes.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::catalogue::ReportKind;
use super::params::{Format, ReportQuery};
use crate::auth::Role;
use crate::db::TenantTx;
use crate::error::Refusal;

crate::text_enum!(
    /// How often a scheduled report runs.
    Frequency {
        Weekly = "weekly",
        Monthly = "monthly",
    }
);

/// A schedule as stored and shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Schedule {
    pub id: i64,
    pub report: String,
    /// `csv`, `xlsx` or `pdf`.
    pub format: String,
    pub frequency: String,
    pub plan_id: Option<i64>,
    pub method: Option<String>,
    pub status: Option<String>,
    pub recipient_id: i64,
    pub next_run_on: NaiveDate,
}

/// A schedule to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    pub report: String,
    pub format: String,
    pub frequency: String,
    pub plan_id: Option<i64>,
    pub method: Option<String>,
    pub status: Option<String>,
    /// A treasurer or an admin; default: whoever schedules it.
    pub recipient_id: Option<i64>,
}

/// The period a run on `today` covers.
pub fn period(frequency: Frequency, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    match frequency {
        Frequency::Weekly => {
            let this_monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
            let last_monday = this_monday - Days::new(7);
            (last_monday, this_monday - Days::new(1))
        }
        Frequency::Monthly => {
            let first = today.with_day(1).unwrap_or(today);
            let previous = first.checked_sub_months(Months::new(1)).unwrap_or(first);
            (previous, first - Days::new(1))
        }
    }
}

/// The next run after `today`: next Monday, or the first of next month.
pub fn next_run(frequency: Frequency, today: NaiveDate) -> NaiveDate {
    match frequency {
        Frequency::Weekly => {
            let mut day = today + Days::new(1);
            while day.weekday() != Weekday::Mon {
                day = day + Days::new(1);
            }
            day
        }
        Frequency::Monthly => today
            .with_day(1)
            .and_then(|first| first.checked_add_months(Months::new(1)))
            .unwrap_or(today),
    }
}

/// The report's query for the period of a run.
pub fn query_of(schedule: &Schedule, (from, to): (NaiveDate, NaiveDate)) -> ReportQuery {
    ReportQuery {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        plan_id: schedule.plan_id.map(|p| p.to_string()),
        method: schedule.method.clone(),
        status: schedule.status.clone(),
        format: Some(schedule.format.clone()),
        delimiter: None,
    }
}

/// Checks and stores `new` for `by`; nothing is written on a refusal.
pub async fn create(
    tx: &mut TenantTx,
    new: &NewSchedule,
    by: i64,
    today: NaiveDate,
) -> Result<i64, Refusal> {
    let kind: ReportKind = new
        .report
        .parse()
        .map_err(|_| Refusal::invalid("report", "unknown", "unknown report"))?;
    let format: Format = new
        .format
        .parse()
        .map_err(|_| Refusal::invalid("format", "unknown", "csv, xlsx or pdf"))?;
    if !matches!(format, Format::Csv | Format::Xlsx | Format::Pdf) {
        return Err(Refusal::invalid("format", "unknown", "csv, xlsx or pdf"));
    }
    let frequency: Frequency = new
        .frequency
        .parse()
        .map_err(|_| Refusal::invalid("frequency", "unknown", "weekly or monthly"))?;
    let draft = Schedule {
        id: 0,
        report: kind.as_str().to_owned(),
        format: format.as_str().to_owned(),
        frequency: frequency.as_str().to_owned(),
        plan_id: new.plan_id,
        method: new.method.clone().filter(|m| !m.is_empty()),
        status: new.status.clone().filter(|s| !s.is_empty()),
        recipient_id: new.recipient_id.unwrap_or(by),
        next_run_on: next_run(frequency, today),
    };
    let query = query_of(&draft, period(frequency, today));
    if let Err(bad) = query.check(kind, today, today, Format::Csv) {
        return Err(Refusal::invalid(bad.field, "param", bad.key));
    }
    if let Some(plan) = draft.plan_id
        && crate::contributions::plans::find(tx, plan).await?.is_none()
    {
        return Err(Refusal::invalid("plan_id", "unknown", "no such plan"));
    }
    let recipient = crate::accounts::store::find(tx, draft.recipient_id).await?;
    if recipient.is_none_or(|a| a.role < Role::Treasurer) {
        return Err(Refusal::invalid(
            "recipient_id",
            "recipient",
            "a treasurer or an admin",
        ));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO report_schedules (report, format, frequency, plan_id, method, status, recipient_id,
                                       created_by, next_run_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        draft.report,
        draft.format,
        draft.frequency,
        draft.plan_id,
        draft.method,
        draft.status,
        draft.recipient_id,
        by,
        draft.next_run_on
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(id)
}

pub async fn list(tx: &mut TenantTx) -> Result<Vec<Schedule>, sqlx::Error> {
    sqlx::query_as!(
        Schedule,
        "SELECT id, report, format, frequency, plan_id, method, status, recipient_id, next_run_on
         FROM report_schedules ORDER BY id"
    )
    .fetch_all(tx.conn().await?)
    .await
}

pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!("DELETE FROM report_schedules WHERE id = $1", id)
        .execute(tx.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Runs every schedule due on `today` (locked: two workers never run the
/// same one) and moves it to its next date. Returns how many ran.
pub async fn run_due(tx: &mut TenantTx, today: NaiveDate) -> Result<u64, sqlx::Error> {
    let due = sqlx::query_as!(
        Schedule,
        "SELECT id, report, format, frequency, plan_id, method, status, recipient_id, next_run_on
         FROM report_schedules WHERE next_run_on <= $1 ORDER BY id FOR UPDATE SKIP LOCKED",
        today
    )
    .fetch_all(tx.conn().await?)
    .await?;
    let mut ran = 0;
    for schedule in due {
        let (Ok(kind), Ok(frequency)) = (
            schedule.report.parse::<ReportKind>(),
            schedule.frequency.parse::<Frequency>(),
        ) else {
            continue;
        };
        let query = query_of(&schedule, period(frequency, today));
        if let Some(summary) = super::run::summarise(tx, kind, &query, today).await? {
            super::ready::tell(tx, &schedule, kind, &query, &summary).await?;
            ran += 1;
        }
        sqlx::query!(
            "UPDATE report_schedules SET next_run_on = $2, last_run_at = now() WHERE id = $1",
            schedule.id,
            next_run(frequency, today)
        )
        .execute(tx.conn().await?)
        .await?;
    }
    Ok(ran)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn periods_are_whole_weeks_and_months_before_the_run() {
        // Sunday 6 December 2026.
        assert_eq!(
            period(Frequency::Weekly, day(2026, 12, 6)),
            (day(2026, 11, 23), day(2026, 11, 29))
        );
        assert_eq!(
            period(Frequency::Weekly, day(2026, 12, 7)),
            (day(2026, 11, 30), day(2026, 12, 6))
        );
        assert_eq!(
            period(Frequency::Monthly, day(2026, 12, 1)),
            (day(2026, 11, 1), day(2026, 11, 30))
        );
        assert_eq!(
            period(Frequency::Monthly, day(2026, 3, 15)),
            (day(2026, 2, 1), day(2026, 2, 28))
        );
    }

    #[test]
    fn the_next_run_is_next_monday_or_the_first_of_next_month() {
        assert_eq!(
            next_run(Frequency::Weekly, day(2026, 12, 6)),
            day(2026, 12, 7)
        );
        assert_eq!(
            next_run(Frequency::Weekly, day(2026, 12, 7)),
            day(2026, 12, 14)
        );
        assert_eq!(
            next_run(Frequency::Monthly, day(2026, 12, 1)),
            day(2027, 1, 1)
        );
        assert_eq!(
            next_run(Frequency::Monthly, day(2026, 12, 31)),
            day(2027, 1, 1)
        );
    }
}
