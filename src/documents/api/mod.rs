//! `/api/v1/documents`: the pages' rules over JSON. Anyone lists and reads
//! the public documents, members those for members too, staff (editors
//! and above, or an API key with `documents:read` / `documents:write`)
//! everything, and manage. A document one may not read is a 404 problem,
//! like one that does not exist. Uploads are multipart (`file`, and
//! optionally `name`, `folder_id`, `visibility`).
//!
//! [`DocumentsApi`] is this part of the OpenAPI document; `api::openapi`
//! merges it into the whole.

pub mod documents;
pub mod folders;
pub mod views;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use utoipa::OpenApi;

use super::model::Reader;
use crate::auth::scoped::NeedsScope;
use crate::auth::{Access, Principal, Viewer};
use crate::error::AppError;

/// `documents:read`.
pub struct DocumentsRead;
/// `documents:write`.
pub struct DocumentsWrite;

impl NeedsScope for DocumentsRead {
    const MODULE: &'static str = "documents";
    const ACCESS: Access = Access::Read;
}
impl NeedsScope for DocumentsWrite {
    const MODULE: &'static str = "documents";
    const ACCESS: Access = Access::Write;
}

/// Whoever reads, signed in or not; an API key must hold `documents:read`.
pub struct ApiReader(pub Reader);

impl<S: Send + Sync> FromRequestParts<S> for ApiReader {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Viewer(principal) = Viewer::from_request_parts(parts, state).await?;
        if let Some(principal) = &principal
            && !principal.allows(&DocumentsRead::scope())
        {
            return Err(AppError::Forbidden(
                "this API key lacks the documents:read scope".into(),
            ));
        }
        Ok(Self(Reader::of(principal.as_ref())))
    }
}

fn actor(principal: &Principal, auth: &crate::auth::RequestAuth) -> super::service::Actor {
    super::service::Actor {
        account_id: principal.account_id,
        ip: auth.client_ip,
    }
}

#[derive(OpenApi)]
#[openapi(
    paths(
        documents::list, documents::upload, documents::show, documents::update,
        documents::delete, documents::content,
        folders::list, folders::create, folders::update, folders::delete,
        folders::settings, folders::update_settings,
    ),
    components(schemas(
        views::DocumentView, views::DocumentPage, views::UploadBody, views::DocumentPatch,
        views::FolderView, views::FolderBody, views::SettingsView, views::SettingsPatch,
        super::model::Visibility,
    )),
    tags((name = "documents", description = "Files in folders, each public, for members or for \
                                             staff; staff (editors and above, or keys with \
                                             documents:read/write) manage them")),
)]
pub struct DocumentsApi;
