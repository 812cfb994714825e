//! The local-directory backend: `<dir>/<tenant id>/<key>`.
//!
//! A file is written to a temporary file in its final folder, flushed to
//! disk, then linked into place only if nothing is there yet
//! (`persist_noclobber`), and the folder is flushed: a crash leaves either
//! no file or the whole file, never a part, and two writers of one key
//! cannot replace each other's file. File work runs on the blocking pool.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::{Key, StorageError};
use crate::model::TenantId;

pub struct LocalDir {
    root: PathBuf,
}

impl LocalDir {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// Where `key` of `tenant` lives: segments are checked by [`Key`], so
    /// the path stays under the tenant's folder.
    fn path(&self, tenant: TenantId, key: &Key) -> PathBuf {
        let mut path = self.root.join(tenant.get().to_string());
        path.extend(key.segments());
        path
    }

    pub async fn put(
        &self,
        tenant: TenantId,
        key: &Key,
        bytes: Vec<u8>,
    ) -> Result<(), StorageError> {
        let path = self.path(tenant, key);
        let name = key.to_string();
        blocking(move || write_once(&path, &bytes, name)).await
    }

    pub async fn get(&self, tenant: TenantId, key: &Key) -> Result<Option<Vec<u8>>, StorageError> {
        let path = self.path(tenant, key);
        blocking(move || read(&path)).await
    }

    pub async fn list(&self, tenant: TenantId) -> Result<Vec<(Key, u64)>, StorageError> {
        let root = self.root.join(tenant.get().to_string());
        blocking(move || {
            let mut found = Vec::new();
            if root.exists() {
                walk(&root, "", &mut found)?;
            }
            found.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            Ok(found)
        })
        .await
    }

    pub async fn remove_tenant(&self, tenant: TenantId) -> Result<(), StorageError> {
        let root = self.root.join(tenant.get().to_string());
        blocking(move || match std::fs::remove_dir_all(&root) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        })
        .await
    }
}

/// Collects the files under `folder` (whose key prefix is `prefix`).
/// Symbolic links are refused rather than followed: a link could name a
/// file outside the tenant's folder.
fn walk(folder: &Path, prefix: &str, found: &mut Vec<(Key, u64)>) -> Result<(), StorageError> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_str().unwrap_or("\u{fffd}");
        if name.starts_with(".tmp-") {
            continue;
        }
        let key = format!("{prefix}{name}");
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &format!("{key}/"), found)?;
        } else if kind.is_file() {
            let parsed = Key::parse(&key).map_err(|_| StorageError::Unexpected(key.clone()))?;
            found.push((parsed, entry.metadata()?.len()));
        } else {
            return Err(StorageError::Unexpected(key));
        }
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StorageError::Io(std::io::Error::other(e)))?
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, StorageError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The same bytes already there: done. Other bytes: refused.
fn same_or_refused(path: &Path, bytes: &[u8], name: String) -> Result<(), StorageError> {
    match read(path)? {
        Some(existing) if existing == bytes => Ok(()),
        Some(_) => Err(StorageError::Exists(name)),
        None => Err(StorageError::Io(std::io::Error::other(format!(
            "{name} vanished while being written"
        )))),
    }
}

/// Creates `folder` and its missing parents durably: each new folder's
/// entry is synced in its parent, so a crash cannot lose the folder of a
/// key a committed row already names.
fn create_folders(folder: &Path) -> std::io::Result<()> {
    let missing: Vec<&Path> = folder.ancestors().take_while(|at| !at.exists()).collect();
    std::fs::create_dir_all(folder)?;
    for created in missing {
        if let Some(parent) = created.parent() {
            std::fs::File::open(parent)?.sync_all()?;
        }
    }
    Ok(())
}

fn write_once(path: &Path, bytes: &[u8], name: String) -> Result<(), StorageError> {
    if path.exists() {
        return same_or_refused(path, bytes, name);
    }
    let folder = path
        .parent()
        .ok_or_else(|| StorageError::Io(std::io::Error::other("a key without a folder")))?;
    create_folders(folder)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(folder)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    match temp.persist_noclobber(path) {
        Ok(_) => {}
        // Another writer got there first (a job run twice at once).
        Err(e) if e.error.kind() == ErrorKind::AlreadyExists => {
            return same_or_refused(path, bytes, name);
        }
        Err(e) => return Err(e.error.into()),
    }
    // The new name is durable only once its folder is.
    std::fs::File::open(folder)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Result = std::result::Result<(), Box<dyn std::error::Error>>;

    #[tokio::test]
    async fn writes_once_and_keeps_tenants_apart() -> Result {
        let dir = tempfile::tempdir()?;
        let store = LocalDir::new(dir.path().to_owned());
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let key = Key::parse("receipts/2026/x.pdf")?;
        store.put(a, &key, b"one".to_vec()).await?;
        // The same bytes again: fine (a job run twice).
        store.put(a, &key, b"one".to_vec()).await?;
        let refused = store.put(a, &key, b"two".to_vec()).await;
        assert!(matches!(refused, Err(StorageError::Exists(_))));
        assert_eq!(store.get(a, &key).await?.as_deref(), Some(&b"one"[..]));
        assert_eq!(store.get(b, &key).await?, None);
        assert_eq!(
            std::fs::read(dir.path().join("1/receipts/2026/x.pdf"))?,
            b"one"
        );
        // No temporary file is left behind.
        let left = std::fs::read_dir(dir.path().join("1/receipts/2026"))?;
        assert_eq!(left.count(), 1);
        Ok(())
    }
}
