//! Reading an upload: a multipart form's small text fields, and its file
//! written to a temporary file as it arrives, counted against the
//! tenant's limit. Past the limit the read stops and the rest of the body
//! is drained unread (bounded by the HTTP layer's multipart limit), so the
//! client gets its answer instead of a reset connection. Nothing is
//! stored here: the temporary file goes away with its [`Spooled`].

use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

use super::error::DocumentError;

/// Text fields a form may have, and their size: ours are few and short.
const MAX_FIELDS: usize = 16;
const MAX_FIELD_BYTES: usize = 4096;

/// A file received: where it is, how large, and what the client said of it.
pub struct Spooled {
    pub temp: tempfile::NamedTempFile,
    pub size: u64,
    /// The part's `Content-Type`, if any.
    pub declared: Option<String>,
    /// The part's file name, as sent (may be empty or odd).
    pub file_name: String,
}

/// A form as read: its text fields, and its file if one was chosen.
#[derive(Default)]
pub struct Received {
    pub fields: Vec<(String, String)>,
    pub file: Option<Spooled>,
}

impl Received {
    /// The value of field `name` ("" when absent).
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }
}

/// Reads the whole form into `received`, holding its file to `limit`
/// bytes. A refused form keeps the fields read before the refusal (ours
/// come before the file), for the page to show again.
pub async fn read(
    multipart: &mut Multipart,
    limit: u64,
    received: &mut Received,
) -> Result<(), DocumentError> {
    let read = read_parts(multipart, limit, received).await;
    if read.is_err() {
        drain(multipart).await;
    }
    read
}

async fn read_parts(
    multipart: &mut Multipart,
    limit: u64,
    received: &mut Received,
) -> Result<(), DocumentError> {
    while let Some(field) = multipart.next_field().await.map_err(refusal(limit))? {
        let name = field.name().unwrap_or_default().to_owned();
        // A file input without a file chosen still sends an empty part
        // (the upload page has two: pick a file, or take a photo).
        if field.file_name().is_some() {
            let Some(spooled) = spool(field, limit).await? else {
                continue;
            };
            if received.file.replace(spooled).is_some() {
                return Err(DocumentError::TwoFiles);
            }
            continue;
        }
        if received.fields.len() == MAX_FIELDS {
            return Err(DocumentError::BadForm);
        }
        let value = text(field, limit).await?;
        received.fields.push((name, value));
    }
    Ok(())
}

/// The file part into a temporary file; `None` for an empty part.
async fn spool(mut field: Field<'_>, limit: u64) -> Result<Option<Spooled>, DocumentError> {
    let declared = field.content_type().map(str::to_owned);
    let file_name = field.file_name().unwrap_or_default().to_owned();
    let temp = tokio::task::spawn_blocking(tempfile::NamedTempFile::new)
        .await
        .map_err(std::io::Error::other)??;
    let mut out = tokio::fs::File::from_std(temp.reopen()?);
    let mut size: u64 = 0;
    while let Some(chunk) = field.chunk().await.map_err(refusal(limit))? {
        size += chunk.len() as u64;
        if size > limit {
            return Err(DocumentError::TooLarge { limit });
        }
        out.write_all(&chunk).await?;
    }
    out.flush().await?;
    if size == 0 && file_name.is_empty() {
        return Ok(None);
    }
    Ok(Some(Spooled {
        temp,
        size,
        declared,
        file_name,
    }))
}

async fn text(mut field: Field<'_>, limit: u64) -> Result<String, DocumentError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(refusal(limit))? {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_FIELD_BYTES {
            return Err(DocumentError::BadForm);
        }
    }
    String::from_utf8(bytes).map_err(|_| DocumentError::BadForm)
}

/// Reads what is left of the body and drops it; stops at the first error
/// (the HTTP layer's limit, a client gone).
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// A body past the HTTP layer's limit is too large (the file was, whatever
/// the rest); any other failure to read it is a malformed form.
fn refusal(limit: u64) -> impl Fn(MultipartError) -> DocumentError {
    move |error| match error.status() {
        StatusCode::PAYLOAD_TOO_LARGE => DocumentError::TooLarge { limit },
        _ => DocumentError::BadForm,
    }
}
