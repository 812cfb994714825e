//! Applies tenant migrations to every schema in the registry
//! (`platform.tenant_schemas`), with bounded parallelism.
//!
//! Schemas are migrated in small batches, one transaction each, that also
//! hold their registry rows (`FOR UPDATE SKIP LOCKED`) and record the new
//! versions (see [`batch`]), so a crash (even `kill -9`) loses nothing: the
//! rerun resumes with the schemas still behind, and two runners never
//! migrate the same schema. A schema whose migration fails is rolled back to
//! its savepoint and quarantined with the error; the others proceed, until
//! `max_failures` schemas have failed: then the run stops and leaves the
//! rest at their old version, since a migration that breaks that many
//! schemas is more likely broken itself.
//!
//! Every applied migration is recorded per schema with its checksum
//! (`platform.tenant_schema_migrations`, see its migration for why there),
//! and a schema's history is checked against the files before it is touched.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, PgConnection};

use super::{MigrateError, Migration, MigrationSet};
use crate::db::Platform;
use crate::model::{SchemaName, TenantId};

mod batch;

/// How a tenant migration run behaves.
#[derive(Debug, Clone)]
pub struct TenantMigrationOptions {
    /// Schemas migrated at the same time.
    pub parallelism: usize,
    /// How long to wait for schemas another runner holds before reporting them busy.
    pub busy_wait: Duration,
    /// Failed schemas after which the run stops (`migrate.max_failures`).
    pub max_failures: u64,
    /// Counters a caller may watch to show progress.
    pub progress: Arc<Progress>,
}

impl Default for TenantMigrationOptions {
    fn default() -> Self {
        Self {
            parallelism: 4,
            busy_wait: Duration::from_secs(30),
            max_failures: 3,
            progress: Arc::default(),
        }
    }
}

/// Live counters of a run, readable from another task.
#[derive(Debug, Default)]
pub struct Progress {
    pub total: AtomicU64,
    pub migrated: AtomicU64,
    pub failed: AtomicU64,
}

/// A schema the run quarantined, with the database's message.
#[derive(Debug, Clone)]
pub struct FailedSchema {
    pub schema: String,
    pub migration: String,
    pub error: String,
}

#[derive(Debug, Default, Clone)]
pub struct TenantMigrationReport {
    pub migrated: u64,
    pub failed: Vec<FailedSchema>,
    /// Schemas in quarantine (from earlier runs and this one).
    pub quarantined: i64,
    /// Schemas still pending because another runner held them.
    pub busy: i64,
    pub elapsed: Duration,
}

/// The failures (`failures: …` lines) of a run, for an error message.
pub fn describe(failed: &[FailedSchema]) -> String {
    failed
        .iter()
        .map(|f| format!("\n  {} at {}: {}", f.schema, f.migration, f.error))
        .collect()
}

/// How many more schemas a run may fail on; once spent, workers stop.
struct FailureBudget {
    left: AtomicU64,
    spent: AtomicBool,
}

impl FailureBudget {
    fn new(max_failures: u64) -> Self {
        Self {
            left: AtomicU64::new(max_failures),
            spent: AtomicBool::new(max_failures == 0),
        }
    }

    /// Takes one failure slot; `false` when none is left (the caller then
    /// leaves its schema untouched). Taking the last one stops the run.
    fn take(&self) -> bool {
        let taken = self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if !matches!(taken, Ok(n) if n > 1) {
            self.spent.store(true, Ordering::SeqCst);
        }
        taken.is_ok()
    }

    fn is_spent(&self) -> bool {
        self.spent.load(Ordering::SeqCst)
    }
}

/// Migrates every schema behind `set.latest()`.
pub async fn migrate(
    pool: &Platform,
    set: &MigrationSet,
    options: &TenantMigrationOptions,
) -> Result<TenantMigrationReport, MigrateError> {
    let started = Instant::now();
    let target = set.latest();
    let progress = &options.progress;
    progress
        .total
        .store(pending_count(pool, target).await? as u64, Ordering::Relaxed);
    let mut failed = Vec::new();
    let budget = FailureBudget::new(options.max_failures);
    let deadline = Instant::now() + options.busy_wait;
    loop {
        let workers = (0..options.parallelism.max(1)).map(|_| drain(pool, set, progress, &budget));
        for outcome in futures::future::join_all(workers).await {
            failed.extend(outcome?);
        }
        if budget.is_spent() {
            return Err(MigrateError::TooManyFailures {
                limit: options.max_failures,
                failed,
                untouched: pending_count(pool, target).await?,
            });
        }
        // Whatever is still pending was locked by another runner (or a
        // crashed session not yet reaped): wait for it, within bounds.
        let busy = pending_count(pool, target).await?;
        if busy == 0 || Instant::now() >= deadline {
            return Ok(TenantMigrationReport {
                migrated: progress.migrated.load(Ordering::Relaxed),
                failed,
                quarantined: quarantined_count(pool).await?,
                busy,
                elapsed: started.elapsed(),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Migrates batches of schemas one after another until none is left to claim.
async fn drain(
    pool: &Platform,
    set: &MigrationSet,
    progress: &Progress,
    budget: &FailureBudget,
) -> Result<Vec<FailedSchema>, MigrateError> {
    let mut failed = Vec::new();
    loop {
        if budget.is_spent() {
            return Ok(failed);
        }
        let batch = batch::migrate_batch(pool, set, budget).await?;
        progress
            .migrated
            .fetch_add(batch.migrated, Ordering::Relaxed);
        for failure in batch.failed {
            tracing::warn!(schema = %failure.schema, migration = %failure.migration,
                error = %failure.error, "tenant schema quarantined");
            progress.failed.fetch_add(1, Ordering::Relaxed);
            failed.push(failure);
        }
        if batch.none_left || batch.stopped {
            return Ok(failed);
        }
    }
}

/// Runs the migrations `schema` lacks, and records them with their
/// checksums, inside the caller's transaction. On failure, names the
/// migration and returns the database error.
pub async fn apply(
    conn: &mut PgConnection,
    schema: &SchemaName,
    set: &MigrationSet,
    from_version: i64,
) -> Result<(), (String, sqlx::Error)> {
    sqlx::raw_sql(AssertSqlSafe(scope_sql(schema)))
        .execute(&mut *conn)
        .await
        .map_err(|e| ("search_path".to_owned(), e))?;
    for migration in set.after(from_version) {
        sqlx::raw_sql(AssertSqlSafe(migration.sql.clone()))
            .execute(&mut *conn)
            .await
            .map_err(|e| (format!("{:04}_{}", migration.version, migration.name), e))?;
        record(conn, schema, migration)
            .await
            .map_err(|e| ("recording it".to_owned(), e))?;
    }
    Ok(())
}

/// A migration's scope: the schema's tables unqualified, and a bound on
/// waiting for a lock held by the schema's live requests.
fn scope_sql(schema: &SchemaName) -> String {
    format!("SET LOCAL search_path TO {schema}; SET LOCAL lock_timeout = '10s'")
}

/// Notes that `schema` applied `migration`, and the file's checksum among
/// those this database has seen (the first one stays: a different one is
/// what the status query reports as an edit).
async fn record(
    conn: &mut PgConnection,
    schema: &SchemaName,
    migration: &Migration,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.tenant_schema_migrations (schema_name, version, checksum)
         VALUES ($1, $2, $3)",
        schema.as_str(),
        migration.version,
        &migration.checksum
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO platform.tenant_migration_checksums (version, checksum)
         VALUES ($1, $2) ON CONFLICT (version) DO NOTHING",
        migration.version,
        &migration.checksum
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Schemas migrated before checksums were recorded: their history is taken
/// to be this binary's files up to their version, once. The catalogue of
/// checksums is only filled this way while it is empty, so that a migration
/// inserted later below the applied ones is still reported, not adopted.
pub async fn adopt_unrecorded(pool: &Platform, set: &MigrationSet) -> Result<(), sqlx::Error> {
    let (versions, checksums) = set.columns();
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO platform.tenant_schema_migrations (schema_name, version, checksum)
         SELECT s.schema_name, f.version, f.checksum
         FROM platform.tenant_schemas s
         JOIN unnest($1::bigint[], $2::bytea[]) AS f (version, checksum) ON f.version <= s.version
         WHERE NOT EXISTS (SELECT 1 FROM platform.tenant_schema_migrations r
                           WHERE r.schema_name = s.schema_name)
         ON CONFLICT DO NOTHING",
        &versions,
        &checksums
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO platform.tenant_migration_checksums (version, checksum)
         SELECT f.version, f.checksum FROM unnest($1::bigint[], $2::bytea[]) AS f (version, checksum)
         WHERE f.version <= (SELECT max(version) FROM platform.tenant_schemas)
           AND NOT EXISTS (SELECT 1 FROM platform.tenant_migration_checksums)
         ON CONFLICT DO NOTHING",
        &versions,
        &checksums
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Creates `schema` and its role, migrates it fully and registers it, in the caller's
/// transaction. `tenant_id` is `None` for a spare of the warm pool.
pub async fn install(
    conn: &mut PgConnection,
    schema: &SchemaName,
    tenant_id: Option<TenantId>,
    set: &MigrationSet,
) -> Result<(), MigrateError> {
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut *conn)
        .await?;
    // Before the tables exist, so the schema's default privileges grant
    // them to the tenant role as the migrations create them.
    sqlx::query!("SELECT platform.grant_tenant_role($1)", schema.as_str())
        .execute(&mut *conn)
        .await?;
    apply(conn, schema, set, 0)
        .await
        .map_err(|(name, source)| MigrateError::Tenant { name, source })?;
    let status = if tenant_id.is_some() {
        "ready"
    } else {
        "spare"
    };
    sqlx::query!(
        "INSERT INTO platform.tenant_schemas (schema_name, tenant_id, version, status)
         VALUES ($1, $2, $3, $4)",
        schema.as_str(),
        tenant_id.map(TenantId::get),
        set.latest(),
        status
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Drops `schema`, its role and its registry row, in the caller's transaction.
pub async fn drop_schema(conn: &mut PgConnection, schema: &SchemaName) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&mut *conn)
    .await?;
    sqlx::query!("SELECT platform.drop_tenant_role($1)", schema.as_str())
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "DELETE FROM platform.tenant_schemas WHERE schema_name = $1",
        schema.as_str()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn pending_count(pool: &Platform, target: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM platform.tenant_schemas
           WHERE version < $1 AND status <> 'quarantined'"#,
        target
    )
    .fetch_one(pool)
    .await
}

async fn quarantined_count(pool: &Platform) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM platform.tenant_schemas WHERE status = 'quarantined'"#
    )
    .fetch_one(pool)
    .await
}

/// Puts quarantined schemas back in line for the next run (after the cause
/// was fixed); returns how many.
pub async fn release_quarantine(pool: &Platform) -> Result<u64, sqlx::Error> {
    release(pool, None).await
}

/// [`release_quarantine`] for one schema (the console's Retry). False if
/// it was not quarantined.
pub async fn release_schema<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    schema: &SchemaName,
) -> Result<bool, sqlx::Error> {
    Ok(release(executor, Some(schema.as_str())).await? == 1)
}

async fn release<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    schema: Option<&str>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.tenant_schemas SET status = 'ready', updated_at = now()
         WHERE status = 'quarantined' AND ($1::text IS NULL OR schema_name = $1)",
        schema
    )
    .execute(executor)
    .await?;
    Ok(done.rows_affected())
}
