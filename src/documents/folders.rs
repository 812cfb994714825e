//! The folder tree's SQL (`document_folders`). Staff see every folder;
//! others see a folder only when it holds, at any depth, a document they
//! may read, so the name of a staff-only folder reveals nothing. Walks of
//! the tree use `UNION` (not `UNION ALL`) and a depth bound: even a loop
//! in the data could not make them run forever.

use super::error::DocumentError;
use super::model::{Folder, Reader};
use super::store;
use crate::db::TenantTx;

/// A folder as a listing shows it: with the documents it holds, at any
/// depth, that the reader may read.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Entry {
    #[serde(flatten)]
    pub folder: Folder,
    pub documents: i64,
}

pub async fn find(tx: &mut TenantTx, id: i64) -> Result<Option<Folder>, sqlx::Error> {
    sqlx::query_as!(
        Folder,
        "SELECT id, parent_id, name, created_at, updated_at FROM document_folders WHERE id = $1",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await
}

/// The folder `id`, if `reader` may see it.
pub async fn find_for(
    tx: &mut TenantTx,
    id: i64,
    reader: Reader,
) -> Result<Option<Folder>, sqlx::Error> {
    let Some(folder) = find(tx, id).await? else {
        return Ok(None);
    };
    if reader.is_staff() || holds_readable(tx, id, reader).await? {
        return Ok(Some(folder));
    }
    Ok(None)
}

/// Whether `id` holds, at any depth, a document `reader` may read.
async fn holds_readable(tx: &mut TenantTx, id: i64, reader: Reader) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH RECURSIVE tree (id, depth) AS (
               SELECT $1::bigint, 0
               UNION
               SELECT c.id, t.depth + 1 FROM document_folders c JOIN tree t ON c.parent_id = t.id
               WHERE t.depth < 64
           )
           SELECT EXISTS (SELECT 1 FROM documents d JOIN tree t ON d.folder_id = t.id
                          WHERE d.visibility = ANY($2)) AS "readable!""#,
        id,
        &reader.visibilities(),
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// The folders inside `parent` (`None`: the top) that `reader` may see,
/// by name.
pub async fn children(
    tx: &mut TenantTx,
    parent: Option<i64>,
    reader: Reader,
) -> Result<Vec<Entry>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH RECURSIVE tree (top, id, depth) AS (
               SELECT f.id, f.id, 0 FROM document_folders f
               WHERE f.parent_id IS NOT DISTINCT FROM $1
               UNION
               SELECT t.top, c.id, t.depth + 1 FROM document_folders c
               JOIN tree t ON c.parent_id = t.id
               WHERE t.depth < 64
           )
           SELECT f.id, f.parent_id, f.name, f.created_at, f.updated_at,
                  (SELECT count(*) FROM documents d JOIN tree t ON d.folder_id = t.id
                   WHERE t.top = f.id AND d.visibility = ANY($2)) AS "documents!"
           FROM document_folders f
           WHERE f.parent_id IS NOT DISTINCT FROM $1
           ORDER BY lower(f.name), f.id"#,
        parent,
        &reader.visibilities(),
    )
    .fetch_all(tx.conn().await?)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|row| reader.is_staff() || row.documents > 0)
        .map(|row| Entry {
            folder: Folder {
                id: row.id,
                parent_id: row.parent_id,
                name: row.name,
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
            documents: row.documents,
        })
        .collect())
}

/// Every folder `reader` may see, by id: all of them for staff; for
/// others, those holding a readable document and the folders above them.
pub async fn readable(tx: &mut TenantTx, reader: Reader) -> Result<Vec<Folder>, sqlx::Error> {
    if reader.is_staff() {
        return all(tx).await;
    }
    sqlx::query_as!(
        Folder,
        r#"WITH RECURSIVE up (id, depth) AS (
               SELECT DISTINCT folder_id, 0 FROM documents
               WHERE folder_id IS NOT NULL AND visibility = ANY($1)
               UNION
               SELECT f.parent_id, u.depth + 1 FROM document_folders f JOIN up u ON f.id = u.id
               WHERE f.parent_id IS NOT NULL AND u.depth < 64
           )
           SELECT id, parent_id, name, created_at, updated_at FROM document_folders
           WHERE id IN (SELECT id FROM up)
           ORDER BY id"#,
        &reader.visibilities(),
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// `id` and the folders above it, the top first (the breadcrumbs).
pub async fn path(tx: &mut TenantTx, id: i64) -> Result<Vec<Folder>, sqlx::Error> {
    sqlx::query_as!(
        Folder,
        r#"WITH RECURSIVE up (id, depth) AS (
               SELECT $1::bigint, 0
               UNION
               SELECT f.parent_id, u.depth + 1 FROM document_folders f JOIN up u ON f.id = u.id
               WHERE f.parent_id IS NOT NULL AND u.depth < 64
           )
           SELECT f.id AS "id!", f.parent_id, f.name AS "name!",
                  f.created_at AS "created_at!", f.updated_at AS "updated_at!"
           FROM up JOIN document_folders f ON f.id = up.id
           ORDER BY up.depth DESC"#,
        id
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Every folder (staff: where a document or folder may be moved).
pub async fn all(tx: &mut TenantTx) -> Result<Vec<Folder>, sqlx::Error> {
    sqlx::query_as!(
        Folder,
        "SELECT id, parent_id, name, created_at, updated_at FROM document_folders ORDER BY id"
    )
    .fetch_all(tx.conn().await?)
    .await
}

/// Whether another folder (not `except`) in `parent` has this name,
/// whatever the case: asked first, so that a taken name is refused without
/// failing the transaction (the unique index stays the last word).
async fn name_taken(
    tx: &mut TenantTx,
    parent: Option<i64>,
    name: &str,
    except: Option<i64>,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM document_folders
                          WHERE coalesce(parent_id, 0) = coalesce($1::bigint, 0) AND lower(name) = lower($2)
                            AND id IS DISTINCT FROM $3) AS "taken!""#,
        parent,
        name,
        except
    )
    .fetch_one(tx.conn().await?)
    .await
}

pub async fn create(
    tx: &mut TenantTx,
    parent: Option<i64>,
    name: &str,
) -> Result<Folder, DocumentError> {
    if let Some(parent) = parent {
        find(tx, parent).await?.ok_or(DocumentError::NoSuchFolder)?;
    }
    if name_taken(tx, parent, name, None).await? {
        return Err(DocumentError::FolderTaken);
    }
    let created = sqlx::query_as!(
        Folder,
        "INSERT INTO document_folders (parent_id, name) VALUES ($1, $2)
         RETURNING id, parent_id, name, created_at, updated_at",
        parent,
        name
    )
    .fetch_one(tx.conn().await?)
    .await;
    created.map_err(|e| refusal(e, DocumentError::NoSuchFolder))
}

/// Renames `id` and puts it in `parent`, unless `parent` is `id` itself or
/// inside it. Moves are serialised per association ([`store::lock_tree`]).
pub async fn update(
    tx: &mut TenantTx,
    id: i64,
    parent: Option<i64>,
    name: &str,
) -> Result<Folder, DocumentError> {
    store::lock_tree(tx).await?;
    find(tx, id).await?.ok_or(DocumentError::NotFound)?;
    if let Some(parent) = parent {
        find(tx, parent).await?.ok_or(DocumentError::NoSuchFolder)?;
        if contains(tx, id, parent).await? {
            return Err(DocumentError::FolderCycle);
        }
    }
    if name_taken(tx, parent, name, Some(id)).await? {
        return Err(DocumentError::FolderTaken);
    }
    let updated = sqlx::query_as!(
        Folder,
        "UPDATE document_folders SET parent_id = $2, name = $3, updated_at = now() WHERE id = $1
         RETURNING id, parent_id, name, created_at, updated_at",
        id,
        parent,
        name
    )
    .fetch_one(tx.conn().await?)
    .await;
    updated.map_err(|e| refusal(e, DocumentError::NoSuchFolder))
}

/// Whether `inner` is `outer` or lies somewhere inside it.
async fn contains(tx: &mut TenantTx, outer: i64, inner: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH RECURSIVE tree (id, depth) AS (
               SELECT $1::bigint, 0
               UNION
               SELECT c.id, t.depth + 1 FROM document_folders c JOIN tree t ON c.parent_id = t.id
               WHERE t.depth < 64
           )
           SELECT EXISTS (SELECT 1 FROM tree WHERE id = $2) AS "inside!""#,
        outer,
        inner
    )
    .fetch_one(tx.conn().await?)
    .await
}

/// Deletes an empty folder; one holding a folder or a document is refused.
pub async fn delete(tx: &mut TenantTx, id: i64) -> Result<Folder, DocumentError> {
    let deleted = sqlx::query_as!(
        Folder,
        "DELETE FROM document_folders f WHERE id = $1
           AND NOT EXISTS (SELECT 1 FROM document_folders c WHERE c.parent_id = f.id)
           AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.folder_id = f.id)
         RETURNING id, parent_id, name, created_at, updated_at",
        id
    )
    .fetch_optional(tx.conn().await?)
    .await
    .map_err(|e| refusal(e, DocumentError::FolderNotEmpty))?;
    match deleted {
        Some(folder) => Ok(folder),
        None if find(tx, id).await?.is_some() => Err(DocumentError::FolderNotEmpty),
        None => Err(DocumentError::NotFound),
    }
}

/// A taken name (unique index) or a foreign key that no longer holds (a
/// folder gone meanwhile, or something added to one being deleted:
/// `referenced`) is the client's to fix; anything else is ours.
fn refusal(error: sqlx::Error, referenced: DocumentError) -> DocumentError {
    let code = error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    match code.as_deref() {
        Some("23505") => DocumentError::FolderTaken,
        Some("23503") => referenced,
        _ => DocumentError::Database(error),
    }
}
