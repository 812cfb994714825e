//! JSON as a streamed body: `{"columns": […], "rows": [[…], …],
//! "totals": {…}}`, the rows written as they arrive and the totals, counted
//! on the way, at the end. Cells are JSON values (amounts as exact decimal
//! strings).

use axum::body::{Body, Bytes};
use futures::SinkExt;
use serde_json::json;

use super::{CHUNK, Column, Feed, Totals};

pub fn json_body(head: serde_json::Value, columns: Vec<Column>, mut feed: Feed) -> Body {
    let (mut out, receiver) = futures::channel::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let mut totals = Totals::new(&columns);
        let mut buffer = opening(&head, &columns);
        let mut first = true;
        while let Some(row) = feed.next().await {
            let Ok(row) = row else {
                let _ = out.send(Err(std::io::Error::other("export failed"))).await;
                return;
            };
            totals.add(&row);
            if !first {
                buffer.push(b',');
            }
            first = false;
            let cells: Vec<serde_json::Value> = row.iter().map(|c| c.json()).collect();
            if serde_json::to_writer(&mut buffer, &cells).is_err() {
                return;
            }
            if buffer.len() >= CHUNK {
                // A buffer of the chunk's size from the start: growing one
                // by doubling leaves the allocator slack that adds up.
                let full = std::mem::replace(&mut buffer, Vec::with_capacity(CHUNK + CHUNK / 8));
                if out.send(Ok(Bytes::from(full))).await.is_err() {
                    return;
                }
            }
        }
        let end = json!({"rows": totals.rows, "sums": totals.sums(&columns)});
        buffer.extend_from_slice(b"],\"totals\":");
        buffer.extend_from_slice(end.to_string().as_bytes());
        buffer.push(b'}');
        let _ = out.send(Ok(Bytes::from(buffer))).await;
    });
    Body::from_stream(receiver)
}

/// `{"report": …, "columns": […], "rows": [` — `head`'s fields first.
fn opening(head: &serde_json::Value, columns: &[Column]) -> Vec<u8> {
    let mut object = match head {
        serde_json::Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    object.insert("columns".into(), json!(columns));
    let mut text = serde_json::Value::Object(object).to_string();
    // Reopen the object to append the rows.
    text.pop();
    let mut buffer = Vec::with_capacity(CHUNK);
    buffer.extend_from_slice(text.as_bytes());
    buffer.extend_from_slice(b",\"rows\":[");
    buffer
}
