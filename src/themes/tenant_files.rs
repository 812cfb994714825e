//! A tenant's own templates and static files (table `theme_files` in its
//! schema): loading them for rendering, keeping them in memory until they
//! change ([`FilesCache`]), and syncing them from a folder
//! (`tenants/<slug>/templates`, `tenants/<slug>/static`).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use super::RenderError;
use super::source::{StaticFile, read_tree};
use crate::db::TenantTx;
use crate::model::TenantId;

/// Largest single file, and all of a tenant's templates together.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
pub const MAX_TEMPLATE_BYTES: usize = 256 * 1024;

/// What a tenant overrides.
#[derive(Debug, Default)]
pub struct TenantFiles {
    /// Changes whenever any file changes; keys compiled environments.
    pub version: u64,
    /// Template name → source.
    pub templates: BTreeMap<String, String>,
    /// Path → file.
    pub statics: HashMap<String, StaticFile>,
}

impl TenantFiles {
    pub fn has_templates(&self) -> bool {
        !self.templates.is_empty()
    }

    /// The tenant's static files as `path → URL`, for the `static()` function.
    pub fn asset_urls(&self) -> BTreeMap<String, String> {
        self.statics
            .iter()
            .map(|(path, file)| (path.clone(), super::env::static_url(&file.hash, path)))
            .collect()
    }

    fn from_rows(rows: Vec<(String, Vec<u8>)>) -> Self {
        let mut files = Self::default();
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for (path, content) in rows {
            (&path, &content).hash(&mut hasher);
            if let Some(name) = path.strip_prefix("templates/") {
                let source = String::from_utf8_lossy(&content).into_owned();
                files.templates.insert(name.to_owned(), source);
            } else if let Some(name) = path.strip_prefix("static/") {
                let file = StaticFile::new(name, Bytes::from(content));
                files.statics.insert(name.to_owned(), file);
            }
        }
        files.version = hasher.finish();
        files
    }
}

/// Which copy of a tenant's files a cache entry holds: the tenant, the cache
/// epoch (bumped by [`FilesCache::invalidate_all`]) and the tenant's stamp
/// (bumped by [`FilesCache::invalidate`]). An invalidation changes the key
/// readers ask for, so it takes effect at once, without waiting for the
/// (asynchronous) removal of the old entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct FilesKey {
    tenant_id: TenantId,
    epoch: u64,
    stamp: u64,
}

#[derive(Default)]
struct Stamps {
    epoch: u64,
    /// Tenants invalidated at least once; never evicted, since forgetting a
    /// stamp could bring an old entry back.
    by_tenant: HashMap<TenantId, u64>,
}

/// Tenants' files in memory, coherent with invalidations: a load that raced
/// an invalidation is returned to its caller but never kept.
#[derive(Clone)]
pub struct FilesCache {
    entries: moka::future::Cache<FilesKey, Arc<TenantFiles>>,
    stamps: Arc<Mutex<Stamps>>,
}

impl FilesCache {
    pub fn new(capacity: u64) -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(capacity)
                .build(),
            stamps: Arc::default(),
        }
    }

    /// The tenant's files, loaded with `load` when they are not in memory
    /// (concurrent misses share one load).
    pub async fn get_or_load<E, F>(
        &self,
        tenant_id: TenantId,
        load: F,
    ) -> Result<Arc<TenantFiles>, Arc<E>>
    where
        E: Send + Sync + 'static,
        F: Future<Output = Result<Arc<TenantFiles>, E>>,
    {
        let key = self.key(tenant_id);
        let files = self.entries.try_get_with(key, load).await?;
        if self.key(tenant_id) != key {
            // Invalidated while loading: what was read may predate the change.
            self.entries.invalidate(&key).await;
        }
        Ok(files)
    }

    /// The tenant's files if they are in memory; never reads the database.
    pub async fn cached(&self, tenant_id: TenantId) -> Option<Arc<TenantFiles>> {
        self.entries.get(&self.key(tenant_id)).await
    }

    /// Forgets the tenant's files (they changed). Synchronous, so it can be
    /// called from the change listener; the old entry is removed in the
    /// background, and no reader asks for it any more.
    pub fn invalidate(&self, tenant_id: TenantId) {
        let old = self.key(tenant_id);
        *self.stamps().by_tenant.entry(tenant_id).or_default() += 1;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let entries = self.entries.clone();
            runtime.spawn(async move { entries.invalidate(&old).await });
        }
    }

    pub fn invalidate_all(&self) {
        self.stamps().epoch += 1;
        self.entries.invalidate_all();
    }

    fn key(&self, tenant_id: TenantId) -> FilesKey {
        let stamps = self.stamps();
        FilesKey {
            tenant_id,
            epoch: stamps.epoch,
            stamp: stamps.by_tenant.get(&tenant_id).copied().unwrap_or(0),
        }
    }

    /// The stamps; nothing panics while holding them, so a poisoned lock
    /// still holds consistent data.
    fn stamps(&self) -> MutexGuard<'_, Stamps> {
        self.stamps.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Reads a tenant's files, in the caller's tenant transaction.
pub async fn load(tx: &mut TenantTx) -> Result<TenantFiles, sqlx::Error> {
    let rows = sqlx::query!("SELECT path, content FROM theme_files ORDER BY path")
        .fetch_all(tx.conn().await?)
        .await?;
    Ok(TenantFiles::from_rows(
        rows.into_iter().map(|r| (r.path, r.content)).collect(),
    ))
}

/// Files found in a tenant's manifest folder: `templates/**` and `static/**`.
/// Symbolic links are refused (see [`read_tree`]): a link in `static/` would
/// publish whatever it points to.
pub fn read_folder(folder: &Path) -> Result<BTreeMap<String, Vec<u8>>, RenderError> {
    let mut files = BTreeMap::new();
    for kind in ["templates", "static"] {
        let found = read_tree(&folder.join(kind), Some(MAX_FILE_BYTES as u64))
            .map_err(|e| RenderError::Theme(e.to_string()))?;
        for (relative, content) in found {
            let name = format!("{kind}/{relative}");
            if !valid_path(&name) {
                return Err(RenderError::Theme(format!(
                    "{}: {name}: names may only use letters, digits, '.', '_', '-' and '/'",
                    folder.display()
                )));
            }
            files.insert(name, content);
        }
    }
    let template_bytes: usize = files
        .iter()
        .filter(|(path, _)| path.starts_with("templates/"))
        .map(|(_, content)| content.len())
        .sum();
    if template_bytes > MAX_TEMPLATE_BYTES {
        return Err(RenderError::Theme(format!(
            "{}: templates total {template_bytes} bytes, more than the {MAX_TEMPLATE_BYTES} allowed",
            folder.display()
        )));
    }
    Ok(files)
}

/// Mirrors the table constraint, so a bad name is reported before writing.
pub fn valid_path(path: &str) -> bool {
    let Some(rest) = path
        .strip_prefix("templates/")
        .or_else(|| path.strip_prefix("static/"))
    else {
        return false;
    };
    !rest.is_empty()
        && rest.len() <= 200
        && !rest.starts_with(['.', '/'])
        && !rest.contains("..")
        && !rest.contains("//")
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-".contains(&b))
}

/// Makes the tenant's files exactly `wanted`, in the caller's transaction.
/// Returns how many files were written or removed.
pub async fn replace_all(
    tx: &mut TenantTx,
    wanted: &BTreeMap<String, Vec<u8>>,
) -> Result<u64, sqlx::Error> {
    let conn = tx.conn().await?;
    let paths: Vec<String> = wanted.keys().cloned().collect();
    let removed = sqlx::query!("DELETE FROM theme_files WHERE path <> ALL($1)", &paths)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let mut written = 0;
    for (path, content) in wanted {
        let digest: String = Sha256::digest(content)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        written += sqlx::query!(
            "INSERT INTO theme_files (path, content, sha256) VALUES ($1, $2, $3)
             ON CONFLICT (path) DO UPDATE SET content = $2, sha256 = $3, updated_at = now()
             WHERE theme_files.sha256 <> $3",
            path,
            content,
            digest
        )
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(removed + written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(version: u64) -> Result<Arc<TenantFiles>, std::convert::Infallible> {
        Ok(Arc::new(TenantFiles {
            version,
            ..TenantFiles::default()
        }))
    }

    #[tokio::test]
    async fn a_load_that_raced_an_invalidation_is_not_kept() {
        let cache = FilesCache::new(10);
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let (finish, finish_rx) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or_load(TenantId::new(7), async move {
                        let _ = started_tx.send(());
                        let _ = finish_rx.await;
                        files(1)
                    })
                    .await
            })
        };
        assert!(started.await.is_ok());
        cache.invalidate(TenantId::new(7));
        assert!(finish.send(()).is_ok());
        let raced = slow.await.ok().and_then(Result::ok);
        assert_eq!(raced.map(|f| f.version), Some(1));
        let version = |files: Result<Arc<TenantFiles>, _>| files.ok().map(|f| f.version);
        let next = cache
            .get_or_load(TenantId::new(7), async { files(2) })
            .await;
        assert_eq!(version(next), Some(2), "the raced load was kept");
        let cached = cache
            .get_or_load(TenantId::new(7), async { files(3) })
            .await;
        assert_eq!(version(cached), Some(2), "a fresh load is kept");
        cache.invalidate_all();
        let after_all = cache
            .get_or_load(TenantId::new(7), async { files(4) })
            .await;
        assert_eq!(version(after_all), Some(4));
    }

    #[test]
    fn only_tidy_paths_are_accepted() {
        for good in [
            "templates/base.html",
            "templates/pages/home.html",
            "static/logo.svg",
            "static/img/a-b_c.png",
        ] {
            assert!(valid_path(good), "{good}");
        }
        for bad in [
            "base.html",
            "templates/",
            "templates/../x",
            "static/.env",
            "static//x",
            "static/a b.png",
            "templates/é.html",
            "other/x",
        ] {
            assert!(!valid_path(bad), "{bad}");
        }
    }
}
