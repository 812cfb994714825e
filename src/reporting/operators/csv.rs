//! CSV downloads of reporting (the operators' per-tenant figures, a
//! federation's roll-up): every text cell defused against spreadsheet
//! formulas, never cached.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::contributions::payments::export::defuse;
use crate::error::AppError;

/// `rows` as a CSV attachment named `filename` (ASCII, no quotes).
pub fn download(filename: &str, head: &[&str], rows: &[Vec<String>]) -> Result<Response, AppError> {
    let body = write(head, rows).map_err(|e| AppError::Internal(e.to_string().into()))?;
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
        (
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ),
        (header::CACHE_CONTROL, "no-store".to_owned()),
    ];
    Ok((headers, body).into_response())
}

fn write(head: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(head)?;
    for row in rows {
        writer.write_record(row.iter().map(|cell| defuse(cell).into_owned()))?;
    }
    writer.into_inner().map_err(|e| e.into_error().into())
}
