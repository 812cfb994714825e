//! Versioned SQL migrations embedded in the binary: `migrations/platform/`
//! (schema `platform`) and `migrations/tenant/` (every tenant schema).
//!
//! [`run`] is what `tessera migrate`, `serve` and `demo` call: when nothing is
//! pending it costs one query (see [`status`]); otherwise it brings the
//! platform schema up to date, then every tenant schema (see [`tenants`]).
//! It refuses a database whose recorded history does not match the files:
//! an edited migration, a tenant migration numbered below those applied, or
//! one that only a newer binary knows. [`run_all`] does the same on every
//! node of `[[db.nodes]]` after the primary. The other commands only check, with
//! [`status::require_current`].

pub mod history;
mod nodes;
pub mod platform;
pub mod status;
pub mod tenants;

use crate::db::Platform;
use std::sync::Arc;

pub use nodes::{report_states, run_all};
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

    /// The migrations up to `version` included, in order.
    pub fn up_to(&self, version: i64) -> impl Iterator<Item = &Migration> {
        self.0.iter().filter(move |m| m.version <= version)
    }

    /// The name of migration `version`, as in `NNNN_name.sql`.
    pub fn name_of(&self, version: i64) -> Option<&str> {
        let migration = self.0.iter().find(|m| m.version == version)?;
        Some(&migration.name)
    }

    /// Versions and checksums as two parallel arrays, for `unnest` in SQL.
    pub fn columns(&self) -> (Vec<i64>, Vec<Vec<u8>>) {
        self.0
            .iter()
            .map(|m| (m.version, m.checksum.clone()))
            .unzip()
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
    #[error(
        "tenant migration {version} ({name}) was changed after it was applied; restore the \
         original file and put the change in a new migration"
    )]
    TenantChanged { version: i64, name: String },
    #[error(
        "tenant migration {version} ({name}) is numbered below migrations already applied, so the \
         schemas past it would never run it; renumber it after the last applied migration"
    )]
    TenantInsertedLate { version: i64, name: String },
    #[error(
        "the database has {kind} migration {version}, which this binary does not know: it was \
         migrated by a newer tessera; run that version or a newer one"
    )]
    DatabaseNewer { kind: &'static str, version: i64 },
    #[error(
        "the database is not at this binary's version ({platform} platform migration(s), \
         {tenants} tenant schema(s) pending): run `tessera migrate` first"
    )]
    NotMigrated { platform: i64, tenants: i64 },
    #[error(
        "stopped after {} failed tenant schema(s) (migrate.max_failures = {limit}); {untouched} \
         schema(s) left at their old version{}",
        failed.len(),
        tenants::describe(failed)
    )]
    TooManyFailures {
        limit: u64,
        failed: Vec<tenants::FailedSchema>,
        untouched: i64,
    },
}

/// What one run did.
#[derive(Debug, Default, Clone)]
pub struct MigrationReport {
    pub platform_applied: usize,
    pub tenants: TenantMigrationReport,
    /// True when the single status query found nothing to do.
    pub nothing_pending: bool,
}

impl MigrationReport {
    /// Adds another node's run to this one.
    fn absorb(&mut self, other: Self) {
        self.platform_applied += other.platform_applied;
        self.nothing_pending &= other.nothing_pending;
        let (mine, theirs) = (&mut self.tenants, other.tenants);
        mine.migrated += theirs.migrated;
        mine.failed.extend(theirs.failed);
        mine.quarantined += theirs.quarantined;
        mine.busy += theirs.busy;
        mine.elapsed += theirs.elapsed;
    }

    fn nothing_pending(status: &status::Status) -> Self {
        Self {
            nothing_pending: true,
            tenants: TenantMigrationReport {
                quarantined: status.quarantined,
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// Platform schema first, then every tenant schema.
pub async fn run(
    pool: &Platform,
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
    pool: &Platform,
    platform_set: &MigrationSet,
    tenant_set: &MigrationSet,
    options: &TenantMigrationOptions,
) -> Result<MigrationReport, MigrateError> {
    match status::status(pool, platform_set, tenant_set).await {
        // A database never migrated, or not since the status tables exist.
        Err(error) if status::is_missing_table(&error) => {}
        Err(error) => return Err(error.into()),
        Ok(status) => {
            // Before any change: a newer or edited history is refused as it is.
            status.verify(tenant_set)?;
            if status.is_current() {
                return Ok(MigrationReport::nothing_pending(&status));
            }
        }
    }
    let platform_applied = platform::migrate(pool, platform_set).await?;
    tenants::adopt_unrecorded(pool, tenant_set).await?;
    // Again, now that the platform tables the tenant checks read exist.
    status::status(pool, platform_set, tenant_set)
        .await?
        .verify(tenant_set)?;
    let tenants = tenants::migrate(pool, tenant_set, options).await?;
    Ok(MigrationReport {
        platform_applied,
        tenants,
        nothing_pending: false,
    })
}
