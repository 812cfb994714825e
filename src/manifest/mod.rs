//! Tenant manifests: `tenants/<slug>/tenant.toml`, applied idempotently by
//! `tessera tenant apply [dir]`. Missing tenants are created, changed ones
//! updated; tenants without a manifest are deleted only with `--prune`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use crate::db::Platform;
use crate::db::{Database, TenantTx};
use crate::model::Branding;
use crate::model::Email;
use crate::model::{Hostname, Slug};
use crate::tenancy::provision::{NewTenant, ProvisionError, Provisioner};
use crate::tenancy::registry;
use crate::themes::{Themes, tenant_files};

/// The contents of one `tenant.toml`; the slug is its folder's name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub name: String,
    #[serde(default = "default_locale")]
    pub locale: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default)]
    pub domains: Vec<Hostname>,
    pub admin_email: Option<Email>,
    #[serde(default)]
    pub brand: Branding,
    /// The manifest's folder, which may hold `templates/` and `static/`.
    #[serde(skip)]
    pub folder: Option<PathBuf>,
}

fn default_locale() -> String {
    "fr".into()
}

fn default_theme() -> String {
    "default".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("tenant {slug}: {source}")]
    Apply {
        slug: String,
        source: ProvisionError,
    },
    #[error(
        "refusing to prune: the folder holds no tenant manifest, so every tenant would be deleted \
         (check the path; delete tenants one by one with `tessera tenant delete`)"
    )]
    PruneEverything,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Reads every `<dir>/<slug>/tenant.toml`, sorted by slug.
pub fn load_dir(dir: &Path) -> Result<Vec<(Slug, Manifest)>, ManifestError> {
    let read_error = |source| ManifestError::Read {
        path: dir.to_owned(),
        source,
    };
    let mut manifests = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let folder = entry.map_err(read_error)?.path();
        let file = folder.join("tenant.toml");
        if !file.is_file() {
            continue;
        }
        let name = folder
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let text = fs::read_to_string(&file).map_err(|source| ManifestError::Read {
            path: file.clone(),
            source,
        })?;
        let (slug, mut manifest) = parse(name, &text, &file)?;
        manifest.folder = Some(folder.clone());
        manifests.push((slug, manifest));
    }
    manifests.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(manifests)
}

/// Parses one manifest; `folder` (its folder's name) is the slug.
pub fn parse(folder: &str, text: &str, path: &Path) -> Result<(Slug, Manifest), ManifestError> {
    let invalid = |message: String| ManifestError::Invalid {
        path: path.to_owned(),
        message,
    };
    let slug = Slug::parse(folder).map_err(|e| invalid(format!("folder name: {e}")))?;
    let manifest = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
    Ok((slug, manifest))
}

/// Checks what the database cannot: each theme exists, each brand is
/// readable, and the tenants' own templates compile (syntax, unknown
/// functions, missing includes), reported with file, line and column.
pub fn check(manifests: &[(Slug, Manifest)], themes: &Themes) -> Result<(), ManifestError> {
    for (slug, manifest) in manifests {
        let invalid = |message: String| ManifestError::Invalid {
            path: manifest
                .folder
                .clone()
                .unwrap_or_else(|| PathBuf::from(slug.as_str())),
            message,
        };
        if !themes.has(&manifest.theme) {
            return Err(invalid(format!(
                "unknown theme \"{}\" (installed: {})",
                manifest.theme,
                themes.names().join(", ")
            )));
        }
        manifest
            .brand
            .validate()
            .map_err(|e| invalid(e.to_string()))?;
        let templates = own_templates(manifest).map_err(|e| invalid(e.to_string()))?;
        themes
            .check_templates(&manifest.theme, &templates)
            .map_err(invalid)?;
    }
    Ok(())
}

fn own_templates(
    manifest: &Manifest,
) -> Result<BTreeMap<String, String>, crate::themes::RenderError> {
    let Some(folder) = &manifest.folder else {
        return Ok(BTreeMap::new());
    };
    Ok(tenant_files::read_folder(folder)?
        .into_iter()
        .filter_map(|(path, content)| {
            let name = path.strip_prefix("templates/")?.to_owned();
            Some((name, String::from_utf8_lossy(&content).into_owned()))
        })
        .collect())
}

/// Uploads each manifest folder's `templates/` and `static/` into its tenant
/// (removing files that are gone); returns the slugs whose files changed.
pub async fn sync_files(
    db: &Database,
    manifests: &[(Slug, Manifest)],
) -> Result<Vec<String>, ManifestError> {
    let mut changed = Vec::new();
    for (slug, manifest) in manifests {
        let files = match &manifest.folder {
            Some(folder) => {
                tenant_files::read_folder(folder).map_err(|e| ManifestError::Invalid {
                    path: folder.clone(),
                    message: e.to_string(),
                })?
            }
            None => BTreeMap::new(),
        };
        let Some(tenant) = registry::find_by_slug(db.platform(), slug).await? else {
            continue;
        };
        let mut tx = TenantTx::begin(db, Arc::new(tenant)).await?;
        if tenant_files::replace_all(&mut tx, &files).await? > 0 {
            changed.push(slug.to_string());
        }
        tx.commit().await?;
    }
    Ok(changed)
}

/// What `apply` did, by slug.
#[derive(Debug, Default, Clone)]
pub struct ApplyReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub deleted: Vec<String>,
    /// Tenants without a manifest, left alone because `prune` was off.
    pub unmanaged: Vec<String>,
}

/// Makes the platform match `manifests`. Each tenant is its own transaction;
/// the first failure stops the run and is reported with its slug.
///
/// With `prune`, tenants without a manifest are deleted with all their data.
/// An empty `manifests` then always refuses, before any change: it is far
/// more likely a wrong or emptied folder than a wish to wipe the platform,
/// and deleting the last tenants one by one (`tenant delete`) stays possible.
pub async fn apply(
    provisioner: &Provisioner,
    manifests: &[(Slug, Manifest)],
    prune: bool,
    actor: &str,
) -> Result<ApplyReport, ManifestError> {
    if prune && manifests.is_empty() {
        return Err(ManifestError::PruneEverything);
    }
    let mut report = ApplyReport::default();
    let failed = |slug: &Slug| {
        let slug = slug.to_string();
        move |source| ManifestError::Apply { slug, source }
    };
    for (slug, manifest) in manifests {
        let wanted = to_new_tenant(slug, manifest);
        let exists = registry::find_by_slug(provisioner.pool(), slug)
            .await?
            .is_some();
        if !exists {
            provisioner
                .create(&wanted, actor)
                .await
                .map_err(failed(slug))?;
            report.created.push(slug.to_string());
        } else if provisioner
            .update(&wanted, actor)
            .await
            .map_err(failed(slug))?
        {
            report.updated.push(slug.to_string());
        } else {
            report.unchanged.push(slug.to_string());
        }
    }
    let missing = without_manifest(provisioner.pool(), manifests).await?;
    if prune {
        report.deleted = delete_all(provisioner, missing, actor).await?;
    } else {
        report.unmanaged = missing;
    }
    Ok(report)
}

/// The slugs of registered tenants that have no manifest in `manifests`:
/// what `apply` with `prune` would delete (deleted ones are left to their
/// purge).
pub async fn without_manifest(
    pool: &Platform,
    manifests: &[(Slug, Manifest)],
) -> Result<Vec<String>, ManifestError> {
    let listed: BTreeSet<&str> = manifests.iter().map(|(slug, _)| slug.as_str()).collect();
    Ok(registry::list(pool)
        .await?
        .into_iter()
        .filter(|tenant| tenant.status != "deleted")
        .map(|tenant| tenant.slug)
        .filter(|slug| !listed.contains(slug.as_str()))
        .collect())
}

async fn delete_all(
    provisioner: &Provisioner,
    slugs: Vec<String>,
    actor: &str,
) -> Result<Vec<String>, ManifestError> {
    for slug in &slugs {
        let parsed = Slug::parse(slug).map_err(|e| ManifestError::Invalid {
            path: PathBuf::from(slug),
            message: e.to_string(),
        })?;
        provisioner
            .delete(&parsed, actor)
            .await
            .map_err(|source| ManifestError::Apply {
                slug: slug.clone(),
                source,
            })?;
    }
    Ok(slugs)
}

fn to_new_tenant(slug: &Slug, manifest: &Manifest) -> NewTenant {
    NewTenant {
        slug: slug.clone(),
        name: manifest.name.clone(),
        locale: manifest.locale.clone(),
        theme: manifest.theme.clone(),
        brand: manifest.brand.clone(),
        domains: manifest.domains.clone(),
        admin_email: manifest.admin_email.clone(),
    }
}
