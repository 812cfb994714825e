//! What an import will create, decided from the manifest alone, before
//! anything is written: an archive of another format, of a newer schema, of
//! migrations that differ from this binary's, of an unknown theme, or
//! naming an unknown table, a column that is not a plain name or a file
//! key that escapes the tenant's folder is refused here.

use std::collections::HashSet;

use super::import::ImportOptions;
use super::manifest::{self, Manifest};
use super::tables;
use super::{Portability, PortabilityError};
use crate::auth::secret::hex;
use crate::model::{Branding, Hostname, Slug, TenantStatus};
use crate::storage::Key;
use crate::tenancy::provision::NewTenant;

pub struct Plan {
    pub new: NewTenant,
    pub status: TenantStatus,
    pub version: i64,
}

fn refused(what: impl Into<String>) -> PortabilityError {
    PortabilityError::Refused(what.into())
}

pub fn check(
    portability: &Portability,
    manifest: &Manifest,
    options: &ImportOptions,
) -> Result<Plan, PortabilityError> {
    if manifest.format != manifest::FORMAT {
        return Err(refused(format!(
            "archive format {:?}; this binary reads {}",
            manifest.format,
            manifest::FORMAT
        )));
    }
    let version = check_migrations(portability, manifest)?;
    check_tables(manifest)?;
    check_files(manifest)?;
    let fields = &manifest.tenant;
    if !portability.themes.contains(&fields.theme) {
        return Err(refused(format!("unknown theme \"{}\"", fields.theme)));
    }
    let slug = match &options.slug {
        Some(slug) => slug.clone(),
        None => Slug::parse(&fields.slug).map_err(|e| refused(e.to_string()))?,
    };
    let brand: Branding =
        serde_json::from_value(fields.brand.clone()).map_err(|e| refused(format!("brand: {e}")))?;
    let domains = match options.without_custom_domains {
        true => Vec::new(),
        false => manifest
            .custom_domains
            .iter()
            .map(|d| Hostname::parse(d))
            .collect::<Result<_, _>>()
            .map_err(|e| refused(e.to_string()))?,
    };
    // A deleted tenant comes back suspended: an operator decides to open it.
    let status = match TenantStatus::from_column(&fields.status) {
        TenantStatus::Active => TenantStatus::Active,
        _ => TenantStatus::Suspended,
    };
    let new = NewTenant {
        slug,
        name: fields.name.clone(),
        locale: fields.locale.clone(),
        theme: fields.theme.clone(),
        brand,
        domains,
        admin_email: None,
    };
    Ok(Plan {
        new,
        status,
        version,
    })
}

/// The archive's migrations must be exactly this binary's up to its version.
fn check_migrations(
    portability: &Portability,
    manifest: &Manifest,
) -> Result<i64, PortabilityError> {
    let known = portability.provisioner.migrations();
    let version = manifest.schema_version();
    if version > known.latest() {
        return Err(refused(format!(
            "the archive's schema (tenant migration {version}) is newer than this binary's ({})",
            known.latest()
        )));
    }
    let ours: Vec<(i64, String)> = known
        .up_to(version)
        .map(|m| (m.version, hex(&m.checksum)))
        .collect();
    let theirs: Vec<(i64, String)> = manifest
        .tenant_migrations
        .iter()
        .map(|m| (m.version, m.checksum_hex.clone()))
        .collect();
    if version < 1 || ours != theirs {
        return Err(refused(
            "the archive's tenant migrations differ from this binary's",
        ));
    }
    Ok(version)
}

/// Known tables, once each, in load order, with plain names.
fn check_tables(manifest: &Manifest) -> Result<(), PortabilityError> {
    let mut last = None;
    for table in &manifest.tables {
        let shape = &table.shape;
        let Some(position) = tables::position(&shape.name) else {
            return Err(refused(format!("unknown table {:?}", shape.name)));
        };
        if last.is_some_and(|last| position <= last) {
            return Err(refused(format!("table {} is out of order", shape.name)));
        }
        last = Some(position);
        let consistent = shape.is_plain()
            && shape.key.len() == shape.key_text.len()
            && shape.identity.len() == table.sequences.len();
        if !consistent {
            return Err(refused(format!("table {} is described badly", shape.name)));
        }
    }
    Ok(())
}

/// Keys are storage keys (relative, no `..`), once each; members are
/// `files/<n>` in order.
fn check_files(manifest: &Manifest) -> Result<(), PortabilityError> {
    let mut seen = HashSet::new();
    for (n, file) in manifest.files.iter().enumerate() {
        Key::parse(&file.key).map_err(|e| refused(format!("file {:?}: {e}", file.key)))?;
        if !seen.insert(file.key.as_str()) || file.member != format!("files/{n}") {
            return Err(refused(format!("file {:?} is listed badly", file.key)));
        }
    }
    Ok(())
}
