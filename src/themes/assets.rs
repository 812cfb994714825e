//! `GET /static/<hash>/<path>`: a tenant's own static files, then its theme
//! chain's. URLs carry the content hash, so a matching response is cached for
//! a year; a stale hash (after a change) still gets the current file, uncached.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::source::StaticFile;
use super::{RenderError, Themes};
use crate::db::TenantTx;
use crate::error::AppError;

/// Tenants' files are untrusted (an SVG may hold a script): served as inert
/// documents even when opened directly.
const STATIC_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

pub async fn serve(
    State(themes): State<Themes>,
    tx: TenantTx,
    Path((hash, path)): Path<(String, String)>,
    request_headers: HeaderMap,
) -> Result<Response, AppError> {
    let file = themes
        .static_file(&tx, &path)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(respond(&file, &hash, &request_headers))
}

impl Themes {
    /// A static file of the tenant, else of its theme chain, by path (a
    /// brand's `logo`); `None` for an https URL or a missing file.
    pub async fn static_file(
        &self,
        tx: &TenantTx,
        path: &str,
    ) -> Result<Option<StaticFile>, RenderError> {
        let files = self.tenant_files(tx).await?;
        let env = self.env(&tx.tenant().theme);
        Ok(files
            .statics
            .get(path)
            .or_else(|| env.statics.get(path))
            .cloned())
    }
}

/// The same for the platform host: the built-in default theme's files only.
pub async fn serve_builtin(
    State(themes): State<Themes>,
    Path((hash, path)): Path<(String, String)>,
    request_headers: HeaderMap,
) -> Result<Response, AppError> {
    let env = themes.env(super::env::ROOT_THEME);
    let file = env.statics.get(&path).ok_or(AppError::NotFound)?;
    Ok(respond(file, &hash, &request_headers))
}

fn respond(file: &super::source::StaticFile, hash: &str, request_headers: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", file.hash);
    let cache = if file.hash == *hash {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut headers = HeaderMap::new();
    let mut set = |name, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    };
    set(header::CACHE_CONTROL, cache);
    set(header::ETAG, &etag);
    set(header::CONTENT_TYPE, &file.content_type);
    set(header::CONTENT_SECURITY_POLICY, STATIC_CSP);
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    if not_modified {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, file.bytes.clone()).into_response()
}
