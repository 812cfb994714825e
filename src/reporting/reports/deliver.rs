//! A report delivered as a file or a JSON body: CSV, XLSX and JSON stream
//! in constant memory; PDF holds its rows and is refused beyond
//! [`PdfTable::MAX_ROWS`] (CSV and XLSX have no limit).

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::catalogue::ReportKind;
use super::params::{Format, Params};
use crate::error::AppError;
use crate::tabular::{self, Column, Feed, PdfTable, Totals};

const CSV: &str = "text/csv; charset=utf-8";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Words a file needs besides its rows.
pub struct Heading {
    pub title: String,
    /// The period and filters, in words.
    pub subtitle: String,
    pub organisation: String,
    pub colour: String,
    pub locale: &'static str,
    pub totals_label: String,
    pub generated: String,
}

/// `members-2026-09-01-2026-12-06.csv`.
pub fn file_name(kind: ReportKind, params: &Params, extension: &str) -> String {
    format!(
        "{}-{}-{}.{extension}",
        kind.as_str(),
        params.from,
        params.to
    )
}

pub async fn deliver(
    kind: ReportKind,
    params: &Params,
    columns: Vec<Column>,
    feed: Feed,
    heading: Heading,
) -> Result<Response, AppError> {
    match params.format {
        Format::Csv => Ok(file(
            tabular::csv_body(&columns, feed, params.delimiter),
            CSV,
            &file_name(kind, params, "csv"),
        )),
        Format::Xlsx => {
            let body = tabular::xlsx_body(heading.title, columns, heading.totals_label, feed)
                .await
                .map_err(|e| AppError::Internal(e.to_string().into()))?;
            Ok(file(body, XLSX, &file_name(kind, params, "xlsx")))
        }
        Format::Pdf => pdf(kind, params, columns, feed, heading).await,
        Format::Json | Format::Html => {
            let head = json!({
                "report": kind.as_str(),
                "from": params.from,
                "to": params.to,
                "plan_id": params.plan_id,
                "method": params.method.map(|m| m.as_str()),
                "status": params.status.map(|s| s.as_str()),
            });
            let mut response = tabular::json_body(head, columns, feed).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Ok(response)
        }
    }
}

async fn pdf(
    kind: ReportKind,
    params: &Params,
    columns: Vec<Column>,
    mut feed: Feed,
    heading: Heading,
) -> Result<Response, AppError> {
    let mut totals = Totals::new(&columns);
    let mut rows = Vec::new();
    while let Some(row) = feed.next().await {
        let row = row.map_err(|e| AppError::Internal(e.0.into()))?;
        totals.add(&row);
        if rows.len() == PdfTable::MAX_ROWS {
            return Err(AppError::Unprocessable(
                format!(
                    "more than {} rows: narrow the period or download CSV or XLSX",
                    PdfTable::MAX_ROWS
                )
                .into(),
            ));
        }
        rows.push(row.iter().map(|c| c.display(heading.locale)).collect());
    }
    let total_lines = total_lines(&columns, &totals, &heading);
    let table = PdfTable {
        lang: heading.locale.to_owned(),
        colour: heading.colour,
        organisation: heading.organisation,
        title: heading.title,
        subtitle: heading.subtitle,
        footer: heading.generated,
        columns,
        rows,
        totals: total_lines,
    };
    let bytes = tabular::render_pdf(table)
        .await
        .map_err(|e| AppError::Internal(e.to_string().into()))?;
    Ok(file(
        Body::from(bytes),
        "application/pdf",
        &file_name(kind, params, "pdf"),
    ))
}

/// "Rows: 42", then "Amount (EUR): 1 234,50 €" per money column and currency.
pub fn total_lines(columns: &[Column], totals: &Totals, heading: &Heading) -> Vec<String> {
    let mut lines = vec![format!("{}: {}", heading.totals_label, totals.rows)];
    for (i, column) in columns.iter().enumerate() {
        for currency in totals.currencies(i) {
            if let Some(sum) = totals.amount(i, currency) {
                lines.push(format!("{}: {}", column.label, sum.format(heading.locale)));
            }
        }
    }
    lines
}

pub fn file(body: Body, content_type: &'static str, name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
