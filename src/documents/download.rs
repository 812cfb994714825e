//! Sending a document the caller may read (the caller checked): a redirect
//! to a short-lived presigned URL when the store makes them (S3), else the
//! file streamed from storage in chunks, never held whole in memory.
//!
//! PDFs, images and text open in the browser; office files, or any file
//! with `?download=1`, are saved. Text is always `charset=utf-8` (it was
//! checked to be), and `nosniff` (set on every response) keeps browsers
//! from guessing otherwise. Responses are never cached: a document's
//! visibility can change.

use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::model::Document;
use super::service::Documents;
use crate::error::AppError;
use crate::model::TenantId;
use crate::storage::Presign;

/// `attachment`: saved rather than opened in the browser.
pub async fn send(
    documents: &Documents,
    tenant: TenantId,
    document: &Document,
    attachment: bool,
) -> Result<Response, AppError> {
    let opens = !attachment && opens_in_browser(&document.content_type);
    let disposition = disposition(&document.name, opens);
    let content_type = served_type(&document.content_type);
    let presign = Presign {
        expires_in: Duration::from_secs(documents.config().url_expiry_secs),
        content_type: &content_type,
        content_disposition: &disposition,
    };
    let storage = documents.storage();
    let key = &document.storage_key;
    let unavailable = |e: crate::storage::StorageError| AppError::Internal(e.to_string().into());
    if let Some(url) = storage
        .presign_get(tenant, key, &presign)
        .await
        .map_err(unavailable)?
    {
        return Ok(redirect(&url));
    }
    let Some(file) = storage.open(tenant, key).await.map_err(unavailable)? else {
        tracing::error!(%tenant, key, "a document's file is missing from storage");
        return Err(AppError::Internal("a document's file is missing".into()));
    };
    let mut response = Body::from_stream(file.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, header_value(&content_type));
    headers.insert(header::CONTENT_DISPOSITION, header_value(&disposition));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Some(size) = file.size {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    Ok(response)
}

/// 303 to the store: the browser (or client) fetches the file from there.
fn redirect(url: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::LOCATION, header_value(url));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn opens_in_browser(content_type: &str) -> bool {
    matches!(
        content_type,
        "application/pdf" | "image/jpeg" | "image/png" | "text/plain" | "text/csv"
    )
}

fn served_type(content_type: &str) -> String {
    match content_type.starts_with("text/") {
        true => format!("{content_type}; charset=utf-8"),
        false => content_type.to_owned(),
    }
}

/// `inline` or `attachment`, with the name twice: an ASCII stand-in for
/// old clients, and the UTF-8 name (RFC 6266, RFC 8187).
pub fn disposition(name: &str, inline: bool) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Our own values are always valid header text; an impossible one
/// becomes empty rather than a panic.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_for_old_and_new_clients() {
        assert_eq!(
            disposition("Procès-verbal \"AG\".pdf", true),
            "inline; filename=\"Proc_s-verbal _AG_.pdf\"; \
             filename*=UTF-8''Proc%C3%A8s-verbal%20%22AG%22.pdf"
        );
        assert!(disposition("a.docx", false).starts_with("attachment;"));
        assert!(HeaderValue::from_str(&disposition("x\r\ny", true)).is_ok());
    }
}
