//! Tables that stream: a report's columns and a feed of rows, written out
//! as CSV, JSON, XLSX or PDF without ever holding the rows in memory
//! (PDF excepted, which is capped), with the totals counted as the rows
//! go by.
//!
//! A producer (a task owning its own transaction) sends rows through a
//! bounded channel ([`feed`]); a writer consumes them at the pace of its
//! client, so a slow download slows the query instead of filling memory.
//! A producer that fails sends the error as the last item: every writer
//! turns it into a cut transfer, never a short file that looks complete.

mod cell;
mod csv;
mod json;
mod pdf;
mod totals;
mod xlsx;

pub use cell::{Cell, defuse};
pub use csv::csv_body;
pub use json::json_body;
pub use pdf::{PdfError, PdfTable, render_pdf};
pub use totals::{Total, Totals};
pub use xlsx::{XlsxError, xlsx_body};

use futures::Stream;
use tokio::sync::mpsc;

/// What a column holds: it decides the cell's format in each output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Text,
    Integer,
    Money,
    Date,
    Timestamp,
}

/// A column: a stable key (CSV header, JSON field), a label for people
/// (page, PDF, XLSX header) and its kind.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Column {
    pub key: &'static str,
    pub label: String,
    pub kind: Kind,
}

pub type Row = Vec<Cell>;

/// Why a feed ended early.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FeedError(pub String);

impl From<sqlx::Error> for FeedError {
    fn from(error: sqlx::Error) -> Self {
        Self(error.to_string())
    }
}

/// Rows in flight between a producer and a writer.
const ROWS_IN_FLIGHT: usize = 512;

/// The producer's end.
#[derive(Clone)]
pub struct RowSender(mpsc::Sender<Result<Row, FeedError>>);

/// The reader went away: the producer may stop.
#[derive(Debug)]
pub struct Gone;

impl RowSender {
    pub async fn send(&self, row: Row) -> Result<(), Gone> {
        self.0.send(Ok(row)).await.map_err(|_| Gone)
    }

    /// Ends the feed in error (the writer cuts its output).
    pub async fn fail(&self, error: FeedError) {
        let _ = self.0.send(Err(error)).await;
    }
}

/// The writer's end.
pub struct Feed(mpsc::Receiver<Result<Row, FeedError>>);

impl Feed {
    pub async fn next(&mut self) -> Option<Result<Row, FeedError>> {
        self.0.recv().await
    }

    /// For writers on a blocking thread.
    pub fn blocking_next(&mut self) -> Option<Result<Row, FeedError>> {
        self.0.blocking_recv()
    }

    /// The rows as a stream (tests, and writers that prefer streams).
    pub fn into_stream(self) -> impl Stream<Item = Result<Row, FeedError>> + Send {
        futures::stream::unfold(self, |mut feed| async move {
            feed.next().await.map(|item| (item, feed))
        })
    }
}

/// A bounded channel of rows.
pub fn feed() -> (RowSender, Feed) {
    let (sender, receiver) = mpsc::channel(ROWS_IN_FLIGHT);
    (RowSender(sender), Feed(receiver))
}

/// Bytes handed to a body at a time.
pub(crate) const CHUNK: usize = 64 * 1024;
