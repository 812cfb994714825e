//! Staff's changes, shared by the pages and the API: a document renamed,
//! moved or made more or less visible; folders made, renamed, moved and
//! deleted; the association's upload limit. Each is checked, written and
//! audited in the caller's transaction, which commits or rolls back all of
//! it. Uploads and deletions, which touch storage too, are in `service`.

use serde_json::json;

use super::error::DocumentError;
use super::folders;
use super::model::{
    Document, Folder, MAX_DOCUMENT_NAME, MAX_FOLDER_NAME, Reader, Visibility, clean_name,
};
use super::service::{Actor, Documents};
use super::store::{self, Change};
use crate::audit;
use crate::db::TenantTx;

const MIB: u64 = 1024 * 1024;

/// A document's new name, place and visibility, as typed.
pub struct Edit<'a> {
    pub name: &'a str,
    pub folder_id: Option<i64>,
    pub visibility: Visibility,
}

pub async fn edit_document(
    tx: &mut TenantTx,
    id: i64,
    edit: &Edit<'_>,
    actor: Actor,
) -> Result<Document, DocumentError> {
    let before = store::find(tx, id, Reader::Staff)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let name = clean_name(edit.name, MAX_DOCUMENT_NAME).map_err(|source| DocumentError::Name {
        field: "name",
        source,
    })?;
    if let Some(folder) = edit.folder_id {
        folders::find(tx, folder)
            .await?
            .ok_or(DocumentError::NoSuchFolder)?;
    }
    let change = Change {
        name: &name,
        folder_id: edit.folder_id,
        visibility: edit.visibility,
    };
    let after = store::update(tx, id, &change)
        .await?
        .ok_or(DocumentError::NotFound)?;
    let detail = json!({
        "document": id,
        "name": [before.name, after.name],
        "folder": [before.folder_id, after.folder_id],
        "visibility": [before.visibility, after.visibility],
    });
    audit::record(tx, actor.entry("document.changed", detail)).await?;
    Ok(after)
}

pub async fn create_folder(
    tx: &mut TenantTx,
    parent: Option<i64>,
    name: &str,
    actor: Actor,
) -> Result<Folder, DocumentError> {
    let name = folder_name(name)?;
    let folder = folders::create(tx, parent, &name).await?;
    let detail = json!({ "folder": folder.id, "name": folder.name, "parent": parent });
    audit::record(tx, actor.entry("folder.created", detail)).await?;
    Ok(folder)
}

pub async fn edit_folder(
    tx: &mut TenantTx,
    id: i64,
    parent: Option<i64>,
    name: &str,
    actor: Actor,
) -> Result<Folder, DocumentError> {
    let name = folder_name(name)?;
    let folder = folders::update(tx, id, parent, &name).await?;
    let detail = json!({ "folder": id, "name": folder.name, "parent": parent });
    audit::record(tx, actor.entry("folder.changed", detail)).await?;
    Ok(folder)
}

pub async fn delete_folder(
    tx: &mut TenantTx,
    id: i64,
    actor: Actor,
) -> Result<Folder, DocumentError> {
    let folder = folders::delete(tx, id).await?;
    let detail = json!({ "folder": id, "name": folder.name });
    audit::record(tx, actor.entry("folder.deleted", detail)).await?;
    Ok(folder)
}

fn folder_name(raw: &str) -> Result<String, DocumentError> {
    clean_name(raw, MAX_FOLDER_NAME).map_err(|source| DocumentError::Name {
        field: "name",
        source,
    })
}

/// Sets the association's limit, in whole megabytes (`None`: the
/// platform's default); never above the platform's ceiling.
pub async fn set_limit(
    documents: &Documents,
    tx: &mut TenantTx,
    megabytes: Option<u64>,
    actor: Actor,
) -> Result<(), DocumentError> {
    let ceiling_mb = documents.config().max_upload_bytes_ceiling / MIB;
    let bytes = match megabytes {
        None => None,
        Some(mb) if (1..=ceiling_mb).contains(&mb) => i64::try_from(mb * MIB).ok(),
        Some(_) => return Err(DocumentError::Limit { ceiling_mb }),
    };
    store::set_upload_limit(tx, bytes).await?;
    let detail = json!({ "max_upload_bytes": bytes });
    audit::record(tx, actor.entry("documents.limit_changed", detail)).await?;
    Ok(())
}
