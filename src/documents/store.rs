//! The documents' SQL: rows of `documents` and the association's upload
//! limit (`document_settings`). Every read that lists or finds documents
//! for someone takes the [`Reader`], so a document they may not read is
//! never loaded, rather than loaded then hidden.

use chrono::{DateTime, Utc};

use super::model::{Document, Reader, Visibility};
use crate::db::TenantTx;

/// A row as stored; `visibility` is text in the table.
struct Row {
    id: i64,
    folder_id: Option<i64>,
    name: String,
    content_type: String,
    size_bytes: i64,
    sha256: Vec<u8>,
    storage_key: String,
    visibility: String,
    uploaded_by: Option<i64>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for Document {
    fn from(row: Row) -> Self {
        Self {
            id: row.id,
            folder_id: row.folder_id,
            name: row.name,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            storage_key: row.storage_key,
            visibility: Visibility::from_column(&row.visibility),
            uploaded_by: row.uploaded_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A document about to be recorded, its file already stored.
pub struct NewDocument<'a> {
    pub folder_id: Option<i64>,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a [u8],
    pub storage_key: &'a str,
    pub visibility: Visibility,
    pub uploaded_by: Option<i64>,
}

pub async fn insert(tx: &mut TenantTx, new: &NewDocument<'_>) -> Result<Document, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "INSERT INTO documents (folder_id, name, content_type, size_bytes, sha256, storage_key,
                                visibility, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id, folder_id, name, content_type, size_bytes, sha256, storage_key,
                   visibility, uploaded_by, created_at, updated_at",
        new.folder_id,
        new.name,
        new.content_type,
        new.size_bytes,
        new.sha256,
        new.storage_key,
        new.visibility.as_str(),
        new.uploaded_by,
    )
    .fetch_one(tx.conn().await?)
    .await?;
    Ok(row.into())
}

/// The document `id`, if `reader` may read it.
pub async fn find(
    tx: &mut TenantTx,
    id: i64,
    reader: Reader,
) -> Result<Option<Document>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "SELECT id, folder_id, name, content_type, size_bytes, sha256, storage_key,
                visibility, uploaded_by, created_at, updated_at
         FROM documents WHERE id = $1 AND visibility = ANY($2)",
        id,
        &reader.visibilities(),
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// The documents of one folder (`None`: the top) that `reader` may read,
/// by name.
pub async fn in_folder(
    tx: &mut TenantTx,
    folder: Option<i64>,
    reader: Reader,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, folder_id, name, content_type, size_bytes, sha256, storage_key,
                visibility, uploaded_by, created_at, updated_at
         FROM documents
         WHERE folder_id IS NOT DISTINCT FROM $1 AND visibility = ANY($2)
         ORDER BY lower(name), id",
        folder,
        &reader.visibilities(),
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A page of the documents `reader` may read, by id, after `after`,
/// in one folder when `folder` is given (the API's list).
pub async fn page(
    tx: &mut TenantTx,
    reader: Reader,
    folder: Option<i64>,
    after: i64,
    limit: i64,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Row,
        "SELECT id, folder_id, name, content_type, size_bytes, sha256, storage_key,
                visibility, uploaded_by, created_at, updated_at
         FROM documents
         WHERE visibility = ANY($1) AND id > $2 AND ($3::bigint IS NULL OR folder_id = $3)
         ORDER BY id
         LIMIT $4",
        &reader.visibilities(),
        after,
        folder,
        limit,
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// What staff change about a document: all three, as the form shows them.
pub struct Change<'a> {
    pub name: &'a str,
    pub folder_id: Option<i64>,
    pub visibility: Visibility,
}

pub async fn update(
    tx: &mut TenantTx,
    id: i64,
    change: &Change<'_>,
) -> Result<Option<Document>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "UPDATE documents SET name = $2, folder_id = $3, visibility = $4, updated_at = now()
         WHERE id = $1
         RETURNING id, folder_id, name, content_type, size_bytes, sha256, storage_key,
                   visibility, uploaded_by, created_at, updated_at",
        id,
        change.name,
        change.folder_id,
        change.visibility.as_str(),
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// Deletes the row and returns it (its storage key is removed after the
/// commit, by the caller).
pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<Option<Document>, sqlx::Error> {
    let row = sqlx::query_as!(
        Row,
        "DELETE FROM documents WHERE id = $1
         RETURNING id, folder_id, name, content_type, size_bytes, sha256, storage_key,
                   visibility, uploaded_by, created_at, updated_at",
        id,
    )
    .fetch_optional(tx.conn().await?)
    .await?;
    Ok(row.map(Into::into))
}

/// The association's own upload limit, if it set one.
pub async fn upload_limit(tx: &mut TenantTx) -> Result<Option<i64>, sqlx::Error> {
    let limit = sqlx::query_scalar!("SELECT max_upload_bytes FROM document_settings")
        .fetch_optional(tx.conn().await?)
        .await?;
    Ok(limit.flatten())
}

pub async fn set_upload_limit(tx: &mut TenantTx, bytes: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE document_settings SET max_upload_bytes = $1, updated_at = now()",
        bytes
    )
    .execute(tx.conn().await?)
    .await?;
    Ok(())
}

/// Serialises changes to the folder tree of one association (two moves at
/// once could otherwise make a loop): the settings row is its lock.
pub async fn lock_tree(tx: &mut TenantTx) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT singleton FROM document_settings FOR UPDATE")
        .fetch_optional(tx.conn().await?)
        .await?;
    Ok(())
}
