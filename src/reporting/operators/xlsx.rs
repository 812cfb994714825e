//! XLSX downloads of reporting (a federation's roll-up): the same rows as
//! the CSV, numbers as numbers, text as text (never a formula), built in
//! memory (a roll-up is one line per club).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::AppError;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `rows` as an XLSX attachment named `filename` (ASCII, no quotes).
pub fn download(filename: &str, head: &[&str], rows: &[Vec<String>]) -> Result<Response, AppError> {
    let body = write(head, rows).map_err(|e| AppError::Internal(e.to_string().into()))?;
    let headers = [
        (header::CONTENT_TYPE, XLSX.to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    Ok((headers, body).into_response())
}

fn write(head: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = Format::new().set_bold();
    for (col, name) in (0u16..).zip(head) {
        sheet.write_string_with_format(0, col, *name, &bold)?;
    }
    for (line, row) in (1u32..).zip(rows) {
        for (col, cell) in (0u16..).zip(row) {
            // Counts and amounts (`37.50`) as numbers; slugs, names, dates as text.
            match cell.parse::<f64>() {
                Ok(number) if number.is_finite() && !cell.contains('-') => {
                    sheet.write_number(line, col, number)?;
                }
                _ => {
                    sheet.write_string(line, col, cell)?;
                }
            }
        }
    }
    workbook.save_to_buffer()
}
