//! XLSX in constant memory: a zip cannot be streamed before it is
//! finished, so rust_xlsxwriter's constant-memory mode writes each row to
//! a temporary file as it arrives (on a blocking thread fed by the bounded
//! feed), then the saved workbook, an unnamed temporary file, is streamed.
//! A bold totals row per currency closes the sheet.

use std::io::{Seek, SeekFrom};

use axum::body::{Body, Bytes};
use chrono::{Datelike, NaiveDate};
use futures::StreamExt;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use tokio::io::AsyncReadExt;

use super::{CHUNK, Cell, Column, Feed, Kind, Totals};
use crate::model::Amount;

#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    #[error("spreadsheet: {0}")]
    Sheet(#[from] rust_xlsxwriter::XlsxError),
    #[error("temporary file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the rows stopped: {0}")]
    Feed(String),
    #[error("the spreadsheet writer stopped")]
    Writer,
}

/// The sheet named `sheet` (31 characters at most), then a body reading it.
pub async fn xlsx_body(
    sheet: String,
    columns: Vec<Column>,
    totals_label: String,
    mut feed: Feed,
) -> Result<Body, XlsxError> {
    let file =
        tokio::task::spawn_blocking(move || write(&sheet, &columns, &totals_label, &mut feed))
            .await
            .map_err(|_| XlsxError::Writer)??;
    Ok(file_body(tokio::fs::File::from_std(file)))
}

fn write(
    name: &str,
    columns: &[Column],
    totals_label: &str,
    feed: &mut Feed,
) -> Result<std::fs::File, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(name.chars().take(31).collect::<String>())?;
    let formats = Formats::default();
    for (col, column) in (0u16..).zip(columns) {
        sheet.write_string_with_format(0, col, &column.label, &formats.bold)?;
    }
    let mut totals = Totals::new(columns);
    let mut line: u32 = 0;
    while let Some(row) = feed.blocking_next() {
        let row = row.map_err(|e| XlsxError::Feed(e.0))?;
        totals.add(&row);
        line += 1;
        for (col, cell) in (0u16..).zip(&row) {
            write_cell(sheet, line, col, cell, &formats)?;
        }
    }
    write_totals(sheet, line + 1, columns, &totals, totals_label, &formats)?;
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

struct Formats {
    bold: Format,
    date: Format,
    stamp: Format,
    money: [Format; 4],
    money_bold: [Format; 4],
}

impl Default for Formats {
    fn default() -> Self {
        let pattern = |d: usize| match d {
            0 => "0".to_owned(),
            d => format!("0.{}", "0".repeat(d)),
        };
        Self {
            bold: Format::new().set_bold(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            stamp: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            money: [0, 1, 2, 3].map(|d| Format::new().set_num_format(pattern(d))),
            money_bold: [0, 1, 2, 3].map(|d| Format::new().set_bold().set_num_format(pattern(d))),
        }
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    line: u32,
    col: u16,
    cell: &Cell,
    formats: &Formats,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => {}
        Cell::Text(text) => {
            sheet.write_string(line, col, text)?;
        }
        Cell::Integer(n) => {
            sheet.write_number(line, col, *n as f64)?;
        }
        Cell::Money(amount) => {
            let format = &formats.money[decimals(amount)];
            sheet.write_number_with_format(line, col, number(amount), format)?;
        }
        Cell::Date(date) => {
            sheet.write_datetime_with_format(line, col, excel_date(*date)?, &formats.date)?;
        }
        Cell::Timestamp(at) => {
            let naive = at.naive_utc();
            let stamp =
                ExcelDateTime::parse_from_str(&naive.format("%Y-%m-%dT%H:%M:%S").to_string())?;
            sheet.write_datetime_with_format(line, col, stamp, &formats.stamp)?;
        }
    }
    Ok(())
}

fn write_totals(
    sheet: &mut Worksheet,
    mut line: u32,
    columns: &[Column],
    totals: &Totals,
    label: &str,
    formats: &Formats,
) -> Result<(), XlsxError> {
    let money: Vec<usize> = (0..columns.len())
        .filter(|&i| columns[i].kind == Kind::Money)
        .collect();
    let mut currencies: Vec<_> = money.iter().flat_map(|&i| totals.currencies(i)).collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    if currencies.is_empty() {
        sheet.write_string_with_format(line, 0, label, &formats.bold)?;
        return Ok(());
    }
    for currency in currencies {
        sheet.write_string_with_format(line, 0, format!("{label} ({currency})"), &formats.bold)?;
        for &i in &money {
            if let Some(sum) = totals.amount(i, currency) {
                let col = u16::try_from(i).unwrap_or(u16::MAX);
                let format = &formats.money_bold[decimals(&sum)];
                sheet.write_number_with_format(line, col, number(&sum), format)?;
            }
        }
        line += 1;
    }
    Ok(())
}

fn decimals(amount: &Amount) -> usize {
    (amount.currency().decimals() as usize).min(3)
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, rust_xlsxwriter::XlsxError> {
    let year = u16::try_from(date.year()).unwrap_or(1900);
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

/// A spreadsheet cell holds a float: the decimal text read back, exact
/// enough for display and sums (cents stay exact below 2^53).
fn number(amount: &Amount) -> f64 {
    amount.decimal().parse().unwrap_or(0.0)
}

/// A file's bytes as a body, a chunk at a time.
pub(crate) fn file_body(file: tokio::fs::File) -> Body {
    let chunks = futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0; CHUNK];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(Bytes::from(buffer)), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    Body::from_stream(chunks.boxed())
}
