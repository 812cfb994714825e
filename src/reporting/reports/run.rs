//! What every way of asking for a report shares: the season and today,
//! checked parameters, the labelled columns, the heading words and the
//! producer started on a transaction of its own.

use chrono::{NaiveDate, Utc};

use super::catalogue::ReportKind;
use super::deliver::Heading;
use super::params::{BadParam, Format, Params, ReportQuery};
use crate::contributions::desk::stats;
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::model::DEFAULT_PRIMARY;
use crate::tabular::{Column, Feed};
use crate::themes::{PageView, Themes};

/// A report ready to be written out.
pub struct Started {
    pub params: Params,
    pub columns: Vec<Column>,
    pub feed: Feed,
    pub heading: Heading,
}

/// The report's parameters and today, or the refused field.
pub async fn check(
    tx: &mut TenantTx,
    kind: ReportKind,
    query: &ReportQuery,
    default_format: Format,
) -> Result<Result<(Params, NaiveDate), BadParam>, AppError> {
    let today = Utc::now().date_naive();
    let month = settings::get(tx).await?.season_start_month;
    let season = stats::season_of(today, month).map_or(today, |(start, _)| start);
    Ok(query
        .check(kind, today, season, default_format)
        .map(|params| (params, today)))
}

/// Starts the producer on a sibling transaction of `tx`.
pub fn start(
    themes: &Themes,
    view: &PageView,
    tx: &TenantTx,
    kind: ReportKind,
    params: Params,
    today: NaiveDate,
) -> Started {
    let catalog = &themes.env(&view.tenant.theme).catalog;
    let label = |key: &str| catalog.text(view.locale, key, None);
    let columns = kind.columns(label);
    let heading = Heading {
        title: label(&format!("report-{}", kind.as_str())),
        subtitle: subtitle(&params, view.locale, &label),
        organisation: view.tenant.name.clone(),
        colour: view
            .tenant
            .brand
            .primary
            .unwrap_or(DEFAULT_PRIMARY)
            .to_string(),
        locale: view.locale,
        totals_label: label("report-rows"),
        generated: format!(
            "{} {}",
            label("report-generated"),
            Utc::now().format("%Y-%m-%d %H:%M UTC")
        ),
    };
    let feed = super::produce::spawn(kind, params.clone(), tx.reader(), today);
    Started {
        params,
        columns,
        feed,
        heading,
    }
}

/// "1 Sept 2026 – 6 Dec 2026 · cheque · paid", in dates of `locale`.
fn subtitle(params: &Params, locale: &str, label: &impl Fn(&str) -> String) -> String {
    let date = |d: NaiveDate| {
        if locale.starts_with("fr") {
            d.format("%d/%m/%Y").to_string()
        } else {
            d.format("%Y-%m-%d").to_string()
        }
    };
    let mut parts = vec![format!("{} – {}", date(params.from), date(params.to))];
    if let Some(method) = params.method {
        parts.push(label(&format!("treasury-method-{}", method.as_str())));
    }
    if let Some(status) = params.status {
        parts.push(status.as_str().to_owned());
    }
    if let Some(plan) = params.plan_id {
        parts.push(format!("{} #{plan}", label("report-col-plan")));
    }
    parts.join(" · ")
}

/// A report's count and sums, without its rows.
#[derive(Debug, Clone)]
pub struct Summary {
    pub params: Params,
    pub rows: u64,
    pub sums: Vec<crate::tabular::Total>,
}

/// Runs `kind` with `query` on `tx` (a job's) and sums it; `None` when
/// the query is refused.
pub async fn summarise(
    tx: &mut TenantTx,
    kind: ReportKind,
    query: &ReportQuery,
    today: NaiveDate,
) -> Result<Option<Summary>, sqlx::Error> {
    let month = settings::get(tx).await?.season_start_month;
    let season = stats::season_of(today, month).map_or(today, |(start, _)| start);
    let Ok(params) = query.check(kind, today, season, Format::Json) else {
        return Ok(None);
    };
    let columns = kind.columns(str::to_owned);
    let mut totals = crate::tabular::Totals::new(&columns);
    super::produce::summarise(kind, &params, tx, today, &mut totals)
        .await
        .map_err(|e| sqlx::Error::Protocol(e.0))?;
    Ok(Some(Summary {
        params,
        rows: totals.rows,
        sums: totals.sums(&columns),
    }))
}
