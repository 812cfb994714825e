//! What the documents API reads and writes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::documents::folders::Entry;
use crate::documents::model::{Document, Folder, Visibility};

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: i64,
    pub name: String,
    /// `null`: at the top.
    pub folder_id: Option<i64>,
    /// What the file is (sniffed from its bytes, not the uploader's word).
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the stored bytes, in hex.
    pub sha256: String,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Where the file is: answered with the file, or a redirect to it.
    pub content_url: String,
}

impl From<Document> for DocumentView {
    fn from(document: Document) -> Self {
        Self {
            content_url: format!("/api/v1/documents/{}/content", document.id),
            sha256: document.sha256.iter().map(|b| format!("{b:02x}")).collect(),
            id: document.id,
            name: document.name,
            folder_id: document.folder_id,
            content_type: document.content_type,
            size_bytes: document.size_bytes,
            visibility: document.visibility,
            created_at: document.created_at,
            updated_at: document.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub documents: Vec<DocumentView>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next_after: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only the documents of this folder.
    pub folder_id: Option<i64>,
    /// The last id of the previous page.
    pub after: Option<i64>,
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
}

/// A multipart upload (`multipart/form-data`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct UploadBody {
    /// The file. Its type is sniffed from its bytes; a part `Content-Type`
    /// that disagrees is refused (415).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// Default: the file's own name. The extension follows the content.
    pub name: Option<String>,
    /// Default: the top.
    pub folder_id: Option<i64>,
    /// Default: `members`.
    pub visibility: Option<Visibility>,
}

/// Changes: only the fields given. `folder_id: null` moves to the top.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub folder_id: Option<Option<i64>>,
    pub visibility: Option<Visibility>,
}

/// Tells a field given as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FolderView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Folder> for FolderView {
    fn from(folder: Folder) -> Self {
        Self {
            id: folder.id,
            parent_id: folder.parent_id,
            name: folder.name,
            created_at: folder.created_at,
            updated_at: folder.updated_at,
        }
    }
}

impl From<Entry> for FolderView {
    fn from(entry: Entry) -> Self {
        entry.folder.into()
    }
}

/// A folder as written: `POST` needs `name`; `PATCH` changes only what it
/// names (`parent_id: null` moves to the top).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FolderBody {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub parent_id: Option<Option<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// The limit that applies now, in bytes.
    pub max_upload_bytes: u64,
    /// The association's own limit in megabytes; `null`: the platform's.
    pub max_upload_mb: Option<u64>,
    pub platform_default_bytes: u64,
    pub platform_ceiling_bytes: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    /// 1 to the platform's ceiling; `null` goes back to the default.
    pub max_upload_mb: Option<u64>,
}
