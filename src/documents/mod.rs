//! Documents: an association's files (statutes, minutes, forms, photos of
//! a receipt taken with a phone) in a tree of folders, each readable by
//! everyone, by members, or by staff only.
//!
//! This module owns the tenant tables `documents`, `document_folders` and
//! `document_settings` (migration `0011_documents.sql`), the pages under
//! `/documents/` and the API under `/api/v1/documents`. Files go through
//! `storage` under `documents/<random>` keys (so in the tenant's own
//! space, and never overwritten).
//!
//! - [`model`]: documents, folders, visibility, who reads ([`Reader`]).
//! - [`store`], [`folders`]: the SQL; reads take the reader, so what one
//!   may not read is never loaded.
//! - [`upload`], [`inspect`], [`images`]: a multipart upload spooled to a
//!   temporary file within the tenant's limit, its type sniffed (a
//!   declared type that disagrees is refused), photos turned upright,
//!   scaled down and stripped of metadata; PDFs kept byte for byte.
//! - [`service`]: storing and recording in an order that never leaves a
//!   row without its file; [`manage`]: staff's other changes, audited;
//!   [`download`]: a presigned redirect or a streamed file.
//! - [`pages`], [`api`]: the two doors, with the same rules: staff
//!   (editors and above) manage, others read what their role allows, and
//!   what one may not read is a 404, like what does not exist.

pub mod api;
pub mod download;
pub mod error;
pub mod folders;
pub mod images;
pub mod inspect;
pub mod manage;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
pub mod upload;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::{get, post};

pub use error::DocumentError;
pub use model::{Document, Folder, Reader, Visibility};
pub use service::Documents;

/// The pages. Uploads lift axum's own 2 MB cap on multipart bodies: the
/// HTTP layer's multipart limit bounds them, and each is held to its
/// tenant's limit while it is read.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Documents: FromRef<S>,
    crate::themes::Themes: FromRef<S>,
{
    let upload = Router::new()
        .route(
            "/documents/new",
            get(pages::upload::form).post(pages::upload::submit),
        )
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route("/documents/", get(pages::browse::top))
        .route("/documents/folders/", post(pages::browse::create))
        .route(
            "/documents/folders/{id}",
            get(pages::browse::folder).post(pages::browse::edit),
        )
        .route(
            "/documents/folders/{id}/delete",
            get(pages::browse::confirm_delete).post(pages::browse::delete),
        )
        .route(
            "/documents/settings",
            get(pages::settings::form).post(pages::settings::save),
        )
        .route(
            "/documents/{id}",
            get(pages::document::show).post(pages::document::edit),
        )
        .route("/documents/{id}/file", get(pages::document::file))
        .route(
            "/documents/{id}/delete",
            get(pages::document::confirm_delete).post(pages::document::delete),
        )
        .merge(upload)
}

/// `/api/v1/documents` (merged into `api::router`, behind its rate limit).
pub fn api_router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Documents: FromRef<S>,
{
    use api::{documents as d, folders as f};
    let upload = Router::new()
        .route("/api/v1/documents", get(d::list).post(d::upload))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .route(
            "/api/v1/documents/{id}",
            get(d::show).patch(d::update).delete(d::delete),
        )
        .route("/api/v1/documents/{id}/content", get(d::content))
        .route("/api/v1/documents/folders", get(f::list).post(f::create))
        .route(
            "/api/v1/documents/folders/{id}",
            axum::routing::patch(f::update).delete(f::delete),
        )
        .route(
            "/api/v1/documents/settings",
            get(f::settings).patch(f::update_settings),
        )
        .merge(upload)
}
