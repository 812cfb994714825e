//! The local-directory backend: `<dir>/<tenant id>/<key>`.
//!
//! A file is written to a temporary file in its final folder, flushed to
//! disk, then linked into place only if nothing is there yet
//! (`persist_noclobber`), and the folder is flushed: a crash leaves either
//! no file or the whole file, never a part, and two writers of one key
//! cannot replace each other's file. File work runs on the blocking pool;
//! downloads are read in chunks as the client takes them.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use tokio_util::io::ReaderStream;

use super::{Download, Key, StorageError};
use crate::model::TenantId;

/// Bytes read from disk at a time for a download.
const CHUNK: usize = 64 * 1024;

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

    /// Copies `source` under `key`, which must not exist yet.
    pub async fn put_file(
        &self,
        tenant: TenantId,
        key: &Key,
        source: PathBuf,
    ) -> Result<(), StorageError> {
        let path = self.path(tenant, key);
        let name = key.to_string();
        blocking(move || {
            write_new(&path, name, |temp| {
                std::io::copy(&mut std::fs::File::open(&source)?, temp)?;
                Ok(())
            })
        })
        .await
    }

    pub async fn open(
        &self,
        tenant: TenantId,
        key: &Key,
    ) -> Result<Option<Download>, StorageError> {
        let file = match tokio::fs::File::open(self.path(tenant, key)).await {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let size = file.metadata().await?.len();
        Ok(Some(Download {
            size: Some(size),
            body: Box::pin(ReaderStream::with_capacity(file, CHUNK)),
        }))
    }

    pub async fn delete(&self, tenant: TenantId, key: &Key) -> Result<(), StorageError> {
        let path = self.path(tenant, key);
        match tokio::fs::remove_file(path).await {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
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
    match write_new(path, name.clone(), |temp| temp.write_all(bytes)) {
        // Another writer got there first (a job run twice at once).
        Err(StorageError::Exists(_)) => same_or_refused(path, bytes, name),
        done => done,
    }
}

/// Writes a file at `path` through `fill`, durably, unless something is
/// there already ([`StorageError::Exists`], the file left as it was).
fn write_new(
    path: &Path,
    name: String,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), StorageError> {
    let folder = path
        .parent()
        .ok_or_else(|| StorageError::Io(std::io::Error::other("a key without a folder")))?;
    create_folders(folder)?;
    let mut temp = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempfile_in(folder)?;
    fill(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    match temp.persist_noclobber(path) {
        Ok(_) => {}
        Err(e) if e.error.kind() == ErrorKind::AlreadyExists => {
            return Err(StorageError::Exists(name));
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

    #[tokio::test]
    async fn files_are_copied_once_streamed_back_and_deleted() -> Result {
        use futures::TryStreamExt;
        let dir = tempfile::tempdir()?;
        let store = LocalDir::new(dir.path().join("files"));
        let source = dir.path().join("upload");
        let bytes: Vec<u8> = (0..200_000u32).map(|n| (n % 251) as u8).collect();
        std::fs::write(&source, &bytes)?;
        let (tenant, key) = (TenantId::new(7), Key::parse("documents/abc")?);
        store.put_file(tenant, &key, source.clone()).await?;
        let again = store.put_file(tenant, &key, source).await;
        assert!(matches!(again, Err(StorageError::Exists(_))));
        let Some(download) = store.open(tenant, &key).await? else {
            return Err("the file is missing".into());
        };
        assert_eq!(download.size, Some(200_000));
        let chunks: Vec<bytes::Bytes> = download.body.try_collect().await?;
        assert!(chunks.len() > 1, "read in chunks, not at once");
        assert_eq!(chunks.concat(), bytes);
        assert!(store.open(TenantId::new(8), &key).await?.is_none());
        store.delete(tenant, &key).await?;
        store.delete(tenant, &key).await?;
        assert!(store.open(tenant, &key).await?.is_none());
        Ok(())
    }
}
