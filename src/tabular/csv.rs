//! CSV as a streamed body: a task writes rows into a chunk and hands each
//! full chunk (64 KiB) to the body through a bounded channel. The header
//! is the columns' keys (stable, for programs and imports).

use axum::body::{Body, Bytes};
use futures::SinkExt;

use super::{CHUNK, Column, Feed};

/// Chunks in flight between the writer and the body.
const IN_FLIGHT: usize = 4;

type Chunks = futures::channel::mpsc::Sender<Result<Bytes, std::io::Error>>;

/// The rows of `feed` as CSV. `delimiter` is `b','` for the usual CSV,
/// `b';'` for spreadsheets set to French.
pub fn csv_body(columns: &[Column], feed: Feed, delimiter: u8) -> Body {
    let header: Vec<&'static str> = columns.iter().map(|c| c.key).collect();
    let (sender, receiver) = futures::channel::mpsc::channel(IN_FLIGHT);
    tokio::spawn(async move {
        let mut out = sender.clone();
        if let Err(error) = write(header, feed, delimiter, sender).await
            && !matches!(error, Stop::Gone)
        {
            tracing::warn!(?error, "a CSV export stopped");
            // The body ends in an error: the client sees a cut transfer.
            let _ = out.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    Body::from_stream(receiver)
}

#[derive(Debug)]
enum Stop {
    Gone,
    Failed(#[allow(dead_code)] String),
}

async fn write(
    header: Vec<&'static str>,
    mut feed: Feed,
    delimiter: u8,
    mut out: Chunks,
) -> Result<(), Stop> {
    let mut writer = chunk_writer(delimiter);
    writer.write_record(&header).map_err(failed)?;
    while let Some(row) = feed.next().await {
        let row = row.map_err(|e| Stop::Failed(e.0))?;
        writer
            .write_record(
                row.iter()
                    .map(|cell| cell.plain())
                    .collect::<Vec<_>>()
                    .iter()
                    .map(|c| c.as_bytes()),
            )
            .map_err(failed)?;
        if writer.get_ref().len() >= CHUNK {
            let full = std::mem::replace(&mut writer, chunk_writer(delimiter));
            out.send(Ok(finish(full)?)).await.map_err(|_| Stop::Gone)?;
        }
    }
    let rest = finish(writer)?;
    if !rest.is_empty() {
        out.send(Ok(rest)).await.map_err(|_| Stop::Gone)?;
    }
    Ok(())
}

fn chunk_writer(delimiter: u8) -> ::csv::Writer<Vec<u8>> {
    ::csv::WriterBuilder::new()
        .delimiter(delimiter)
        .buffer_capacity(CHUNK)
        .from_writer(Vec::with_capacity(CHUNK))
}

fn finish(writer: ::csv::Writer<Vec<u8>>) -> Result<Bytes, Stop> {
    writer
        .into_inner()
        .map(Bytes::from)
        .map_err(|e| Stop::Failed(e.to_string()))
}

fn failed(error: ::csv::Error) -> Stop {
    Stop::Failed(error.to_string())
}
