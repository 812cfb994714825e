//! The season dashboard (`/treasury`): collected this season against the
//! same dates of the last one, active members, the renewal rate, and per
//! plan its members and money; two SVG charts drawn on the server (months
//! of this season against the last, and plans), each with its table.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

use super::{money, render, stats};
use crate::auth::{RequireRole, Treasurer};
use crate::charts::{self as chart, Chart, Group};
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::{Amount, Currency};
use crate::themes::{PageView, Themes};

#[derive(Serialize)]
struct Month {
    label: String,
    this: String,
    last: String,
}

#[derive(Serialize)]
struct PlanLine {
    id: i64,
    name: String,
    members: i64,
    dues: String,
    collected: String,
}

#[derive(Serialize)]
struct DashboardPage {
    /// "2026–2027", or "2026" for seasons starting in January.
    season: String,
    season_start: NaiveDate,
    today: NaiveDate,
    collected: String,
    /// The same dates, a year earlier.
    collected_last: String,
    collected_last_whole: String,
    /// Difference with last season at the same date, in percent.
    change: Option<i64>,
    active: i64,
    renewal: stats::Renewal,
    renewal_percent: Option<i64>,
    months: Vec<Month>,
    months_chart: Chart,
    plans: Vec<PlanLine>,
    plans_chart: Chart,
}

/// `GET /treasury`.
pub async fn page(
    State(themes): State<Themes>,
    _: RequireRole<Treasurer>,
    view: PageView,
    mut tx: TenantTx,
) -> Result<Response, AppError> {
    let today = chrono::Utc::now().date_naive();
    let data = figures(&mut tx, &view, today).await?;
    let template = "treasury/dashboard.html";
    render(&themes, &tx, &view, template, StatusCode::OK, &data).await
}

fn no_season() -> AppError {
    AppError::Internal("no season around today".into())
}

async fn figures(
    tx: &mut TenantTx,
    view: &PageView,
    today: NaiveDate,
) -> Result<DashboardPage, AppError> {
    let settings = settings::get(tx).await?;
    let currency = settings.currency;
    let (start, end) =
        stats::season_of(today, settings.season_start_month).ok_or_else(no_season)?;
    let last_start = stats::year_before(start).ok_or_else(no_season)?;
    let last_end = start.pred_opt().ok_or_else(no_season)?;
    let last_today = stats::year_before(today).ok_or_else(no_season)?;
    let collected = stats::collected(tx, currency, start, today).await?;
    let collected_last = stats::collected(tx, currency, last_start, last_today).await?;
    let collected_last_whole = stats::collected(tx, currency, last_start, last_end).await?;
    let this_months = stats::monthly(tx, currency, start, end).await?;
    let last_months = stats::monthly(tx, currency, last_start, last_end).await?;
    let renewal = stats::renewal(tx, (last_start, last_end), (start, end)).await?;
    let plans = stats::by_plan(tx, currency, start, end).await?;
    let active = super::members::active_count(tx, today).await?;
    let show = |minor: i64| shown(minor, currency, view);
    let months = month_lines(start, &this_months, &last_months, view.locale, &show);
    let month_groups: Vec<Group> = months
        .iter()
        .zip(month_values(start, &this_months, &last_months))
        .map(|(line, (this, last))| Group {
            label: line.label.clone(),
            values: vec![
                (
                    this,
                    format!("{} {}: {}", line.label, start.year(), line.this),
                ),
                (
                    last,
                    format!("{} {}: {}", line.label, last_start.year(), line.last),
                ),
            ],
        })
        .collect();
    let plan_groups: Vec<Group> = plans
        .iter()
        .map(|p| Group {
            label: p.name.clone(),
            values: vec![(p.collected, format!("{}: {}", p.name, show(p.collected)))],
        })
        .collect();
    Ok(DashboardPage {
        season: season_name(start, end),
        season_start: start,
        today,
        collected: show(collected),
        collected_last: show(collected_last),
        collected_last_whole: show(collected_last_whole),
        change: (collected_last > 0).then(|| {
            let diff = i128::from(collected) - i128::from(collected_last);
            i64::try_from(diff * 100 / i128::from(collected_last)).unwrap_or(0)
        }),
        active,
        renewal_percent: renewal.percent(),
        renewal,
        months_chart: chart::columns(&month_groups),
        months,
        plans_chart: chart::rows(&plan_groups),
        plans: plans
            .into_iter()
            .map(|p| PlanLine {
                id: p.plan_id,
                members: p.members,
                dues: show(p.dues),
                collected: show(p.collected),
                name: p.name,
            })
            .collect(),
    })
}

fn shown(minor: i64, currency: Currency, view: &PageView) -> String {
    Amount::new(minor, currency).map_or_else(|| minor.to_string(), |a| money(a, view))
}

fn season_name(start: NaiveDate, end: NaiveDate) -> String {
    if start.year() == end.year() {
        start.year().to_string()
    } else {
        format!("{}–{}", start.year(), end.year())
    }
}

/// The twelve months of the season: (this season's, last season's) net.
fn month_values(
    start: NaiveDate,
    this: &[(NaiveDate, i64)],
    last: &[(NaiveDate, i64)],
) -> Vec<(i64, i64)> {
    let of = |rows: &[(NaiveDate, i64)], month: Option<NaiveDate>| {
        rows.iter()
            .find(|(m, _)| Some(*m) == month)
            .map_or(0, |(_, v)| *v)
    };
    (0..12)
        .map(|i| {
            let month = start.checked_add_months(Months::new(i));
            let month_before = month.and_then(stats::year_before);
            (of(this, month), of(last, month_before))
        })
        .collect()
}

fn month_lines(
    start: NaiveDate,
    this: &[(NaiveDate, i64)],
    last: &[(NaiveDate, i64)],
    locale: &str,
    show: &dyn Fn(i64) -> String,
) -> Vec<Month> {
    month_values(start, this, last)
        .into_iter()
        .zip(0..12)
        .map(|((this, last), i)| {
            let month = start.checked_add_months(Months::new(i)).unwrap_or(start);
            Month {
                label: month_name(month.month(), locale).to_owned(),
                this: show(this),
                last: show(last),
            }
        })
        .collect()
}

const MONTHS_FR: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn month_name(month: u32, locale: &str) -> &'static str {
    let names = if locale.starts_with("en") {
        &MONTHS_EN
    } else {
        &MONTHS_FR
    };
    let index = usize::try_from(month.clamp(1, 12) - 1).unwrap_or(0);
    names[index]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_line_up_with_last_season() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or_default();
        let values = month_values(d(2026, 9), &[(d(2026, 10), 500)], &[(d(2025, 10), 300)]);
        assert_eq!(values.len(), 12);
        assert_eq!(values[1], (500, 300));
        assert_eq!(values[0], (0, 0));
        assert_eq!(month_name(9, "fr"), "sept.");
        assert_eq!(month_name(9, "en"), "Sep");
        assert_eq!(season_name(d(2026, 9), d(2027, 8)), "2026–2027");
    }
}
