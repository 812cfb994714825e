//! Versioned SQL migrations embedded in the binary: `migrations/platform/`
//! (schema `platform`) and `migrations/tenant/` (every tenant schema).
//!
//! [`run`] is what `tessera migrate`, `serve` and `demo` call: when nothing is
//! pending it costs one query; otherwise it brings the platform schema up to
//! date, then every tenant schema (see [`tenants`]).

pub mod platform;
pub mod tenants;

use std::sync::Arc;

use sqlx::PgPool;

pub use tenants::{Progress, TenantMigrationOptions, TenantMigrationReport};

/// One migration file: `NNNN_name.sql`.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    pub sql: String,
    pub checksum: Vec<u8>,
}

/// An ordered list of migrations with unique, increasing versions.
#[derive(Debug, Clone)]
pub struct MigrationSet(Arc<[Migration]>);

static PLATFORM: sqlx::migrate::Migrator = sqlx::migrate!("migrations/platform");
static TENANT: sqlx::migrate::Migrator = sqlx::migrate!("migrations/tenant");

impl MigrationSet {
    pub fn platform() -> Self {
        Self::from_migrator(&PLATFORM)
    }

    pub fn tenant() -> Self {
        Self::from_migrator(&TENANT)
    }

    fn from_migrator(migrator: &sqlx::migrate::Migrator) -> Self {
        let migrations = migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| Migration {
                version: m.version,
                name: m.description.to_string(),
                sql: m.sql.as_str().to_owned(),
                checksum: m.checksum.to_vec(),
            });
        Self::new(migrations.collect())
    }

    /// Builds a set from explicit migrations (benchmarks and tests add their
    /// own), sorted by version.
    pub fn new(mut migrations: Vec<Migration>) -> Self {
        migrations.sort_by_key(|m| m.version);
        migrations.dedup_by_key(|m| m.version);
        Self(migrations.into())
    }

    /// This set followed by `extra` migrations.
    pub fn with(&self, extra: impl IntoIterator<Item = Migration>) -> Self {
        Self::new(self.0.iter().cloned().chain(extra).collect())
    }

    /// The version a fully migrated schema has (0 for an empty set).
    pub fn latest(&self) -> i64 {
        self.0.last().map_or(0, |m| m.version)
    }

    /// Migrations a schema at `version` still needs, in order.
    pub fn after(&self, version: i64) -> impl Iterator<Item = &Migration> {
        self.0.iter().filter(move |m| m.version > version)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Migration> {
        self.0.iter()
    }
}

/// Failures of the migration runner. A tenant that fails is quarantined and
/// reported, not an error: the others proceed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database error during migration: {0}")]
    Database(#[from] sqlx::Error),
    #[error("platform migration {version} ({name}) failed: {source}")]
    Platform {
        version: i64,
        name: String,
        source: sqlx::Error,
    },
    #[error("tenant migration {name} failed: {source}")]
    Tenant { name: String, source: sqlx::Error },
    #[error(
        "platform migration {version} was changed after it was applied; restore the original file"
    )]
    Changed { version: i64 },
}

/// What one run did.
#[derive(Debug, Default, Clone)]
pub struct MigrationReport {
    pub platform_applied: usize,
    pub tenants: TenantMigrationReport,
    /// True when the single status query found nothing to do.
    pub nothing_pending: bool,
}

/// Platform schema first, then every tenant schema.
pub async fn run(
    pool: &PgPool,
    options: &TenantMigrationOptions,
) -> Result<MigrationReport, MigrateError> {
    run_with(
        pool,
        &MigrationSet::platform(),
        &MigrationSet::tenant(),
        options,
    )
    .await
}

/// [`run`] with explicit migration sets.
pub async fn run_with(
    pool: &PgPool,
    platform_set: &MigrationSet,
    tenant_set: &MigrationSet,
    options: &TenantMigrationOptions,
) -> Result<MigrationReport, MigrateError> {
    let status = tenants::status(pool, platform_set, tenant_set).await;
    if let Some(status) = status.filter(tenants::Status::is_current) {
        return Ok(MigrationReport {
            nothing_pending: true,
            tenants: TenantMigrationReport {
                quarantined: status.quarantined,
                ..Default::default()
            },
            ..Default::default()
        });
    }
    let platform_applied = platform::migrate(pool, platform_set).await?;
    let tenants = tenants::migrate(pool, tenant_set, options).await?;
    Ok(MigrationReport {
        platform_applied,
        tenants,
        nothing_pending: false,
    })
}
