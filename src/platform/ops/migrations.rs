//! The migration registry for the console: the tenant migrations this
//! binary carries, how many schemas stand at each version, the tenants
//! whose schema is quarantined or behind, the platform migrations applied,
//! and the retry of one quarantined tenant (what `tessera migrate
//! --retry-quarantined` does, for that tenant alone).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use super::Ops;
use crate::db::migrate::{self, MigrationSet, tenants};
use crate::error::AppError;
use crate::model::{SchemaName, TenantId};
use crate::tenancy::audit::{self, Actor};

/// Hex digits of a checksum shown (enough to tell two files apart).
const CHECKSUM_DIGITS: usize = 12;
/// Errors longer than this are cut (with an ellipsis).
const SHOWN_ERROR: i32 = 300;
/// Tenants listed as quarantined or behind, at most.
const PROBLEMS_SHOWN: i64 = 200;

/// One version: a migration of this binary, or one the database holds that
/// this binary does not know (`name` is `None`; 0 is "none applied").
#[derive(Debug, Clone, Serialize)]
pub struct VersionLine {
    pub version: i64,
    pub name: Option<String>,
    pub checksum: Option<String>,
    /// Tenant schemas whose last applied migration is this one.
    pub tenants: i64,
    /// Spare schemas of the warm pool at this version.
    pub spares: i64,
}

/// A tenant whose schema needs attention.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaProblem {
    pub slug: String,
    pub schema_name: String,
    pub version: i64,
    /// `quarantined`, or `ready` for a schema behind the latest version.
    pub status: String,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A platform migration as `platform.schema_migrations` records it.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedMigration {
    pub version: i64,
    pub name: String,
    pub applied_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    pub latest: i64,
    pub versions: Vec<VersionLine>,
    pub problems: Vec<SchemaProblem>,
    pub platform: Vec<AppliedMigration>,
}

/// What a retry did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaRetry {
    /// Released and migrated: the tenant is served again.
    Migrated,
    /// Released, but the migration failed again and quarantined it anew.
    FailedAgain(String),
    /// The tenant's schema was not quarantined.
    NotQuarantined,
}

impl Ops {
    pub async fn migrations(&self) -> Result<Registry, AppError> {
        let set = MigrationSet::tenant();
        let counts = self.schema_counts().await?;
        Ok(Registry {
            latest: set.latest(),
            versions: version_lines(&set, &counts),
            problems: self.schema_problems(set.latest()).await?,
            platform: self.platform_applied().await?,
        })
    }

    /// Tenant and spare schemas by version.
    async fn schema_counts(&self) -> Result<BTreeMap<i64, (i64, i64)>, sqlx::Error> {
        let rows = sqlx::query!(
            r#"SELECT version,
                      count(*) FILTER (WHERE tenant_id IS NOT NULL) AS "tenants!",
                      count(*) FILTER (WHERE tenant_id IS NULL) AS "spares!"
               FROM platform.tenant_schemas GROUP BY version"#
        )
        .fetch_all(&self.platform)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.version, (r.tenants, r.spares)))
            .collect())
    }

    async fn schema_problems(&self, latest: i64) -> Result<Vec<SchemaProblem>, sqlx::Error> {
        sqlx::query_as!(
            SchemaProblem,
            r#"SELECT t.slug, s.schema_name, s.version, s.status, s.updated_at,
                      CASE WHEN length(s.last_error) > $2 THEN left(s.last_error, $2) || '…'
                           ELSE s.last_error END AS last_error
               FROM platform.tenant_schemas s
               JOIN platform.tenants t ON t.id = s.tenant_id
               WHERE s.status = 'quarantined' OR s.version < $1
               ORDER BY s.status = 'quarantined' DESC, t.slug
               LIMIT $3"#,
            latest,
            SHOWN_ERROR,
            PROBLEMS_SHOWN
        )
        .fetch_all(&self.platform)
        .await
    }

    async fn platform_applied(&self) -> Result<Vec<AppliedMigration>, sqlx::Error> {
        sqlx::query_as!(
            AppliedMigration,
            "SELECT version, name, applied_at FROM platform.schema_migrations ORDER BY version"
        )
        .fetch_all(&self.platform)
        .await
    }

    /// Puts the quarantined schema of tenant `slug` back in line (audited),
    /// then runs the migrations as `tessera migrate` does.
    pub async fn retry_schema(&self, slug: &str, actor: &Actor) -> Result<SchemaRetry, AppError> {
        let Some(schema) = self.release(slug, actor).await? else {
            return Ok(SchemaRetry::NotQuarantined);
        };
        // The run of `tessera migrate`: it finds the released schema (and
        // any other behind) and migrates each in its own transaction, so a
        // request cut short by its timeout leaves nothing half done.
        migrate::run(&self.platform, &self.migration_options())
            .await
            .map_err(|e| AppError::Conflict(e.to_string().into()))?;
        let row = sqlx::query!(
            "SELECT status, last_error FROM platform.tenant_schemas WHERE schema_name = $1",
            schema.as_str()
        )
        .fetch_one(&self.platform)
        .await?;
        Ok(match row.status.as_str() {
            "quarantined" => SchemaRetry::FailedAgain(row.last_error.unwrap_or_default()),
            _ => SchemaRetry::Migrated,
        })
    }

    /// Releases the tenant's schema from quarantine and records who did,
    /// in one transaction. `None` if it was not quarantined.
    async fn release(&self, slug: &str, actor: &Actor) -> Result<Option<SchemaName>, AppError> {
        let mut tx = self.platform.begin().await?;
        let row = sqlx::query!(
            "SELECT s.schema_name, t.id AS tenant_id
             FROM platform.tenant_schemas s JOIN platform.tenants t ON t.id = s.tenant_id
             WHERE t.slug = $1
             FOR UPDATE OF s",
            slug
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
        let schema = SchemaName::parse(&row.schema_name).ok_or_else(|| {
            AppError::Conflict("the registry holds an invalid schema name".into())
        })?;
        if !tenants::release_schema(&mut *tx, &schema).await? {
            return Ok(None);
        }
        let details = json!({ "schema": schema.as_str() });
        let tenant = Some(TenantId::new(row.tenant_id));
        audit::record(&mut tx, actor, "tenant.migration_retry", tenant, details).await?;
        tx.commit().await?;
        Ok(Some(schema))
    }
}

/// Every known migration with its counts, and the versions the database
/// holds that this binary does not know, in order.
fn version_lines(set: &MigrationSet, counts: &BTreeMap<i64, (i64, i64)>) -> Vec<VersionLine> {
    let mut lines: BTreeMap<i64, VersionLine> = counts
        .iter()
        .map(|(&version, &(tenants, spares))| {
            let line = VersionLine {
                version,
                name: None,
                checksum: None,
                tenants,
                spares,
            };
            (version, line)
        })
        .collect();
    for migration in set.iter() {
        let line = lines.entry(migration.version).or_insert(VersionLine {
            version: migration.version,
            name: None,
            checksum: None,
            tenants: 0,
            spares: 0,
        });
        line.name = Some(migration.name.clone());
        line.checksum = Some(hex_prefix(&migration.checksum));
    }
    lines.into_values().collect()
}

fn hex_prefix(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    hex.chars().take(CHECKSUM_DIGITS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::migrate::Migration;

    fn migration(version: i64) -> Migration {
        Migration {
            version,
            name: format!("m{version}"),
            sql: String::new(),
            checksum: vec![0xab; 32],
        }
    }

    #[test]
    fn known_and_unknown_versions_are_merged_in_order() {
        let set = MigrationSet::new(vec![migration(1), migration(2)]);
        let counts = BTreeMap::from([(0, (1, 0)), (2, (5, 2)), (7, (1, 0))]);
        let lines = version_lines(&set, &counts);
        let seen: Vec<_> = lines
            .iter()
            .map(|l| (l.version, l.name.is_some(), l.tenants, l.spares))
            .collect();
        assert_eq!(
            seen,
            vec![
                (0, false, 1, 0),
                (1, true, 0, 0),
                (2, true, 5, 2),
                (7, false, 1, 0)
            ]
        );
        assert_eq!(lines[1].checksum.as_deref(), Some("abababababab"));
    }
}
