//! Where the database stands against this binary's migrations, in one query:
//! what is pending, and whether the recorded history still matches the files
//! (an edited migration, one inserted below those applied, or one only a
//! newer binary knows). Every run starts with it, and the commands that do
//! not migrate use it to refuse a database that is not at their version.

use super::{MigrateError, MigrationSet};
use crate::db::Platform;

/// The answer of the status query.
#[derive(Debug, Clone, Copy)]
pub struct Status {
    platform_pending: i64,
    tenant_pending: i64,
    pub quarantined: i64,
    mismatch: Option<Mismatch>,
}

/// A recorded history that this binary must not build on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mismatch {
    PlatformChanged(i64),
    PlatformUnknown(i64),
    TenantChanged(i64),
    TenantUnknown(i64),
    TenantInsertedLate(i64),
}

impl Status {
    /// Nothing to apply and nothing inconsistent.
    pub fn is_current(&self) -> bool {
        self.mismatch.is_none() && self.platform_pending == 0 && self.tenant_pending == 0
    }

    /// Migrations not applied yet: platform ones, and tenant schemas × theirs.
    pub fn pending(&self) -> (i64, i64) {
        (self.platform_pending, self.tenant_pending)
    }

    /// Refuses a history that does not match the binary's migration files.
    pub fn verify(&self, tenant_set: &MigrationSet) -> Result<(), MigrateError> {
        let name = |version| tenant_set.name_of(version).unwrap_or("?").to_owned();
        match self.mismatch {
            None => Ok(()),
            Some(Mismatch::PlatformChanged(version)) => Err(MigrateError::Changed { version }),
            Some(Mismatch::PlatformUnknown(version)) => Err(MigrateError::DatabaseNewer {
                kind: "platform",
                version,
            }),
            Some(Mismatch::TenantUnknown(version)) => Err(MigrateError::DatabaseNewer {
                kind: "tenant",
                version,
            }),
            Some(Mismatch::TenantChanged(version)) => Err(MigrateError::TenantChanged {
                version,
                name: name(version),
            }),
            Some(Mismatch::TenantInsertedLate(version)) => Err(MigrateError::TenantInsertedLate {
                version,
                name: name(version),
            }),
        }
    }

    /// For the commands that must not migrate: an error unless the database
    /// is exactly at this binary's version (quarantined schemas aside).
    pub fn require_current(&self, tenant_set: &MigrationSet) -> Result<(), MigrateError> {
        self.verify(tenant_set)?;
        if self.is_current() {
            return Ok(());
        }
        Err(MigrateError::NotMigrated {
            platform: self.platform_pending,
            tenants: self.tenant_pending,
        })
    }
}

/// One query. `Err` when the platform schema does not exist yet (or is older
/// than the tables this query reads): the caller then runs the migrations.
pub async fn status(
    pool: &Platform,
    platform_set: &MigrationSet,
    tenant_set: &MigrationSet,
) -> Result<Status, sqlx::Error> {
    let (platform_versions, platform_checksums) = platform_set.columns();
    let (tenant_versions, tenant_checksums) = tenant_set.columns();
    let row = sqlx::query!(
        r#"WITH platform_files AS (
               SELECT * FROM unnest($1::bigint[], $2::bytea[]) AS f (version, checksum)),
           tenant_files AS (
               SELECT * FROM unnest($3::bigint[], $4::bytea[]) AS f (version, checksum)),
           seen AS (SELECT * FROM platform.tenant_migration_checksums)
           SELECT
             (SELECT count(*) FROM platform_files f
              WHERE f.version NOT IN (SELECT version FROM platform.schema_migrations))
               AS "platform_pending!",
             (SELECT min(m.version) FROM platform.schema_migrations m
              JOIN platform_files f USING (version) WHERE m.checksum <> f.checksum)
               AS platform_changed,
             (SELECT min(version) FROM platform.schema_migrations
              WHERE version NOT IN (SELECT version FROM platform_files))
               AS platform_unknown,
             (SELECT min(s.version) FROM seen s
              JOIN tenant_files f USING (version) WHERE s.checksum <> f.checksum)
               AS tenant_changed,
             greatest(
               (SELECT min(version) FROM seen
                WHERE version NOT IN (SELECT version FROM tenant_files)),
               (SELECT max(version) FROM platform.tenant_schemas WHERE version > $5))
               AS tenant_unknown,
             (SELECT min(f.version) FROM tenant_files f
              WHERE f.version < (SELECT max(version) FROM seen)
                AND f.version NOT IN (SELECT version FROM seen))
               AS tenant_inserted_late,
             (SELECT count(*) FROM platform.tenant_schemas
              WHERE version < $5 AND status <> 'quarantined') AS "tenant_pending!",
             (SELECT count(*) FROM platform.tenant_schemas
              WHERE status = 'quarantined') AS "quarantined!""#,
        &platform_versions,
        &platform_checksums,
        &tenant_versions,
        &tenant_checksums,
        tenant_set.latest()
    )
    .fetch_one(pool)
    .await?;
    let mismatch = [
        row.platform_changed.map(Mismatch::PlatformChanged),
        row.platform_unknown.map(Mismatch::PlatformUnknown),
        row.tenant_unknown.map(Mismatch::TenantUnknown),
        row.tenant_changed.map(Mismatch::TenantChanged),
        row.tenant_inserted_late.map(Mismatch::TenantInsertedLate),
    ]
    .into_iter()
    .flatten()
    .next();
    Ok(Status {
        platform_pending: row.platform_pending,
        tenant_pending: row.tenant_pending,
        quarantined: row.quarantined,
        mismatch,
    })
}

/// For the commands that must not migrate (`tenant …`, `theme check`, …):
/// fails with a message telling the operator what to run, changing nothing.
pub async fn require_current(pool: &Platform) -> Result<(), MigrateError> {
    let platform_set = MigrationSet::platform();
    let tenant_set = MigrationSet::tenant();
    match status(pool, &platform_set, &tenant_set).await {
        Ok(status) => status.require_current(&tenant_set),
        Err(error) if is_missing_table(&error) => Err(MigrateError::NotMigrated {
            platform: platform_set.iter().count() as i64,
            tenants: 0,
        }),
        Err(error) => Err(error.into()),
    }
}

/// A database that was never migrated, or not since the status query's
/// tables were added: as opposed to a connection or permission problem.
pub fn is_missing_table(error: &sqlx::Error) -> bool {
    const UNDEFINED_TABLE: &str = "42P01";
    const INVALID_SCHEMA_NAME: &str = "3F000";
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == UNDEFINED_TABLE || code == INVALID_SCHEMA_NAME)
}
