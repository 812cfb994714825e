//! Payments exports, CSV and XLSX, in constant memory whatever the number
//! of rows: the rows come from the database as a stream (`sqlx` `fetch`),
//! never collected.
//!
//! - CSV: a task writes rows into a buffer and hands each 64 KiB chunk to
//!   the response body through a bounded channel, so a slow client slows
//!   the query down instead of filling memory. Text cells that a
//!   spreadsheet would take for a formula (`= + - @`, tab, CR) get a
//!   leading `'`.
//! - XLSX: a zip cannot be streamed before it is finished; rust_xlsxwriter
//!   in its constant-memory mode writes each row to a temporary file as it
//!   goes, on a blocking thread fed by a bounded channel, then the workbook
//!   is saved to an unnamed temporary file that the body streams.
//!
//! Amounts are decimals (`Amount::decimal`), dates ISO 8601.

use std::borrow::Cow;
use std::io::{Seek, SeekFrom};

use axum::body::{Body, Bytes};
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use futures::{SinkExt, Stream, StreamExt, TryStreamExt};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};
use sqlx::PgConnection;
use tokio::io::AsyncReadExt;

use super::list::{PaymentFilter, amount, currency};
use crate::db::TenantTx;
use crate::model::Amount;

/// Bytes handed to the body at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks (CSV) or rows (XLSX) in flight between the query and the writer.
const IN_FLIGHT: usize = 4;
const ROWS_IN_FLIGHT: usize = 512;

/// The columns of both exports.
pub const HEADER: [&str; 16] = [
    "id",
    "received_on",
    "created_at",
    "paid_at",
    "payer_id",
    "payer_name",
    "payer_email",
    "amount",
    "refunded",
    "currency",
    "method",
    "status",
    "reference",
    "cheque_number",
    "cheque_bank",
    "note",
];

/// One exported payment.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub id: i64,
    pub received_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
    pub payer_id: i64,
    pub payer_name: String,
    pub payer_email: String,
    pub amount: Amount,
    pub refunded: Amount,
    pub method: String,
    pub status: String,
    pub reference: Option<String>,
    pub cheque_number: Option<String>,
    pub cheque_bank: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("spreadsheet: {0}")]
    Xlsx(#[from] XlsxError),
    #[error("temporary file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the spreadsheet writer stopped")]
    Writer,
    /// The client went away: nothing to report.
    #[error("the client went away")]
    Gone,
}

/// The payments matching `filter`, newest first, as the rows arrive.
pub fn rows<'c>(
    conn: &'c mut PgConnection,
    filter: &PaymentFilter,
) -> impl Stream<Item = Result<ExportRow, sqlx::Error>> + Send + 'c {
    sqlx::query_file!(
        "src/contributions/payments/export.sql",
        filter.received_from,
        filter.received_to,
        filter.method.map(|m| m.as_str()),
        filter.status.map(|s| s.as_str()),
        filter.payer_id,
        filter.plan_id,
    )
    .fetch(conn)
    .map(|row| {
        let row = row?;
        let money = currency(&row.currency)?;
        Ok(ExportRow {
            id: row.id,
            received_on: row.received_on,
            created_at: row.created_at,
            paid_at: row.paid_at,
            payer_id: row.payer_id,
            payer_name: row.payer_name,
            payer_email: row.payer_email,
            amount: amount(row.amount_minor, money)?,
            refunded: amount(row.refunded_minor, money)?,
            method: row.method,
            status: row.status,
            reference: row.reference,
            cheque_number: row.cheque_number,
            cheque_bank: row.cheque_bank,
            note: row.note,
        })
    })
}

/// The CSV export as a streamed body. `tx` is a transaction of its own
/// (e.g. [`TenantTx::sibling`]): it lives as long as the stream.
pub fn csv(mut tx: TenantTx, filter: PaymentFilter) -> Body {
    let (sender, receiver) =
        futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT);
    tokio::spawn(async move {
        let mut out = sender.clone();
        match write_csv(&mut tx, &filter, sender).await {
            Ok(()) | Err(ExportError::Gone) => {}
            Err(error) => {
                tracing::warn!(%error, "the payments CSV export stopped");
                // The body ends in an error: the client sees a cut transfer,
                // never a short file that looks complete.
                let _ = out.send(Err(std::io::Error::other("export failed"))).await;
            }
        }
    });
    Body::from_stream(receiver)
}

type Chunks = futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>;

async fn write_csv(
    tx: &mut TenantTx,
    filter: &PaymentFilter,
    mut out: Chunks,
) -> Result<(), ExportError> {
    let mut writer = chunk_writer();
    writer.write_record(HEADER).map_err(csv_error)?;
    let mut rows = std::pin::pin!(rows(tx.conn().await?, filter));
    while let Some(row) = rows.try_next().await? {
        let fields = csv_fields(&row);
        writer
            .write_record(fields.iter().map(|f| f.as_bytes()))
            .map_err(csv_error)?;
        // The writer's own buffer is one chunk: the Vec fills a chunk at a time.
        if writer.get_ref().len() >= CHUNK {
            let full = std::mem::replace(&mut writer, chunk_writer());
            out.send(Ok(finish(full)?))
                .await
                .map_err(|_| ExportError::Gone)?;
        }
    }
    let rest = finish(writer)?;
    if !rest.is_empty() {
        out.send(Ok(rest)).await.map_err(|_| ExportError::Gone)?;
    }
    Ok(())
}

fn chunk_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .buffer_capacity(CHUNK)
        .from_writer(Vec::with_capacity(CHUNK))
}

/// Everything `writer` holds, its buffer flushed.
fn finish(writer: csv::Writer<Vec<u8>>) -> Result<Bytes, ExportError> {
    let bytes = writer
        .into_inner()
        .map_err(|e| ExportError::Io(std::io::Error::other(e.to_string())))?;
    Ok(Bytes::from(bytes))
}

fn csv_error(error: csv::Error) -> ExportError {
    ExportError::Io(std::io::Error::other(error.to_string()))
}

/// A row's cells, text cells defused.
fn csv_fields(row: &ExportRow) -> [Cow<'_, str>; 16] {
    [
        row.id.to_string().into(),
        row.received_on.to_string().into(),
        timestamp(row.created_at).into(),
        row.paid_at.map(timestamp).unwrap_or_default().into(),
        row.payer_id.to_string().into(),
        defuse(&row.payer_name),
        defuse(&row.payer_email),
        row.amount.decimal().into(),
        row.refunded.decimal().into(),
        Cow::Owned(row.amount.currency().code().to_owned()),
        Cow::Borrowed(row.method.as_str()),
        Cow::Borrowed(row.status.as_str()),
        text(&row.reference),
        text(&row.cheque_number),
        text(&row.cheque_bank),
        text(&row.note),
    ]
}

fn text(value: &Option<String>) -> Cow<'_, str> {
    value.as_deref().map_or(Cow::Borrowed(""), defuse)
}

/// A text cell a spreadsheet would read as a formula gets a leading `'`
/// (OWASP "CSV injection").
pub fn defuse(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The XLSX export, written to a temporary file, then streamed from it.
pub async fn xlsx(mut tx: TenantTx, filter: PaymentFilter) -> Result<Body, ExportError> {
    let (rows, mut received) = tokio::sync::mpsc::channel::<ExportRow>(ROWS_IN_FLIGHT);
    let writer = tokio::task::spawn_blocking(move || write_xlsx(&mut received));
    let fed = feed(&mut tx, &filter, rows).await;
    // The writer's own error says more than the feeder's "writer stopped".
    let file = writer.await.map_err(|_| ExportError::Writer)??;
    fed?;
    let file = tokio::fs::File::from_std(file);
    Ok(file_body(file))
}

/// Sends the rows to the spreadsheet writer; dropping `out` tells it the
/// rows are done.
async fn feed(
    tx: &mut TenantTx,
    filter: &PaymentFilter,
    out: tokio::sync::mpsc::Sender<ExportRow>,
) -> Result<(), ExportError> {
    let mut rows = std::pin::pin!(rows(tx.conn().await?, filter));
    while let Some(row) = rows.try_next().await? {
        out.send(row).await.map_err(|_| ExportError::Writer)?;
    }
    Ok(())
}

fn write_xlsx(
    rows: &mut tokio::sync::mpsc::Receiver<ExportRow>,
) -> Result<std::fs::File, ExportError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name("Payments")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (col, name) in (0u16..).zip(HEADER) {
        sheet.write_string_with_format(0, col, name, &bold)?;
    }
    let mut line: u32 = 0;
    // Per currency decimals: one format per decimal count, made on demand.
    let mut money_formats: Vec<(u32, Format)> = Vec::new();
    while let Some(row) = rows.blocking_recv() {
        line += 1;
        let decimals = row.amount.currency().decimals();
        if !money_formats.iter().any(|(d, _)| *d == decimals) {
            let pattern = match decimals {
                0 => "0".to_owned(),
                d => format!("0.{}", "0".repeat(d as usize)),
            };
            money_formats.push((decimals, Format::new().set_num_format(pattern)));
        }
        let money = money_formats
            .iter()
            .find(|(d, _)| *d == decimals)
            .map(|(_, f)| f.clone())
            .unwrap_or_default();
        sheet.write_number(line, 0, row.id as f64)?;
        sheet.write_datetime_with_format(line, 1, excel_date(row.received_on)?, &date)?;
        sheet.write_string(line, 2, timestamp(row.created_at))?;
        sheet.write_string(line, 3, row.paid_at.map(timestamp).unwrap_or_default())?;
        sheet.write_number(line, 4, row.payer_id as f64)?;
        sheet.write_string(line, 5, row.payer_name)?;
        sheet.write_string(line, 6, row.payer_email)?;
        // A spreadsheet cell holds a number: the decimal text read back
        // exactly enough for display and sums (cents stay exact below 2^53).
        sheet.write_number_with_format(line, 7, spreadsheet_number(&row.amount), &money)?;
        sheet.write_number_with_format(line, 8, spreadsheet_number(&row.refunded), &money)?;
        sheet.write_string(line, 9, row.amount.currency().code())?;
        sheet.write_string(line, 10, row.method)?;
        sheet.write_string(line, 11, row.status)?;
        let optional = [row.reference, row.cheque_number, row.cheque_bank, row.note];
        for (col, value) in (12u16..).zip(optional) {
            if let Some(value) = value {
                sheet.write_string(line, col, value)?;
            }
        }
    }
    let mut file = tempfile::tempfile()?;
    workbook.save_to_writer(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(date.year()).unwrap_or(1900);
    ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8)
}

fn spreadsheet_number(amount: &Amount) -> f64 {
    amount.decimal().parse().unwrap_or(0.0)
}

/// A file's bytes as a body, a chunk at a time.
fn file_body(file: tokio::fs::File) -> Body {
    let chunks = futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0; CHUNK];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), Some(file)))
            }
            Err(error) => Some((Err(error), None)),
        }
    });
    Body::from_stream(chunks.boxed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_defused() {
        for bad in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defuse(bad), format!("'{bad}"));
        }
        for fine in ["Anne", "", "1=1", " =x"] {
            assert_eq!(defuse(fine), fine);
        }
    }
}
