//! One export of the journal, as pages and the API ask it: `format=fec`
//! (the default), `csv` or `xlsx`, over `[from, to]` (default: the
//! season so far).

use axum::response::Response;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::chart::{self, Chart};
use super::{fec, journal};
use crate::contributions::desk::stats;
use crate::contributions::settings;
use crate::db::TenantTx;
use crate::error::AppError;
use crate::reporting::reports::deliver::file;
use crate::reporting::reports::params::{BadParam, period};
use crate::tabular;
use crate::themes::{PageView, Themes};

#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// First day (YYYY-MM-DD); default: the first day of the season.
    pub from: Option<String>,
    /// Last day, the closing date of the FEC (YYYY-MM-DD); default: today.
    pub to: Option<String>,
    /// `fec` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

/// Why an export cannot be made: a field and the message key.
pub type Refused = BadParam;

/// The file, or the refused field.
pub async fn export(
    themes: &Themes,
    view: &PageView,
    tx: &mut TenantTx,
    query: &ExportQuery,
) -> Result<Result<Response, Refused>, AppError> {
    let today = Utc::now().date_naive();
    let month = settings::get(tx).await?.season_start_month;
    let season = stats::season_of(today, month).map_or(today, |(start, _)| start);
    let (from, to) = match period(&query.from, &query.to, (season, today)) {
        Ok(dates) => dates,
        Err(bad) => return Ok(Err(bad)),
    };
    let chart = chart::load(tx).await?;
    let format = query
        .format
        .as_deref()
        .map(str::trim)
        .filter(|f| !f.is_empty());
    let response = match format.unwrap_or("fec") {
        "fec" => match fec_file(tx, chart, from, to) {
            Ok(response) => response,
            Err(bad) => return Ok(Err(bad)),
        },
        "csv" | "xlsx" => {
            let catalog = &themes.env(&view.tenant.theme).catalog;
            let label = |key: &str| catalog.text(view.locale, key, None);
            let columns = journal::columns(label);
            let feed = journal::spawn(tx.reader(), chart, from, to);
            let name = format!("journal-{from}-{to}");
            if format == Some("csv") {
                let body = tabular::csv_body(&columns, feed, b',');
                file(body, "text/csv; charset=utf-8", &format!("{name}.csv"))
            } else {
                let title = label("accounting-journal");
                let body = tabular::xlsx_body(title, columns, label("report-rows"), feed)
                    .await
                    .map_err(|e| AppError::Internal(e.to_string().into()))?;
                let kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                file(body, kind, &format!("{name}.xlsx"))
            }
        }
        _ => {
            return Ok(Err(BadParam {
                field: "format",
                key: "report-error-unknown",
            }));
        }
    };
    Ok(Ok(response))
}

fn fec_file(
    tx: &TenantTx,
    chart: Chart,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Response, Refused> {
    let Some(siren) = chart.siren.clone() else {
        return Err(BadParam {
            field: "siren",
            key: "accounting-error-siren",
        });
    };
    let body = fec::body(tx.reader(), chart, from, to);
    Ok(file(
        body,
        "text/plain; charset=iso-8859-15",
        &fec::file_name(&siren, to),
    ))
}
