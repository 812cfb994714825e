//! Applies tenant migrations to every schema in the registry
//! (`platform.tenant_schemas`), with bounded parallelism.
//!
//! Each schema is migrated in its own transaction that also holds its registry
//! row (`FOR UPDATE SKIP LOCKED`) and records the new version, so a crash
//! (even `kill -9`) loses nothing: the rerun resumes with the schemas still
//! behind, and two runners never migrate the same schema. A schema whose
//! migration fails is rolled back to its savepoint and quarantined with the
//! error; the others proceed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Acquire, AssertSqlSafe, PgConnection, PgPool};

use super::{MigrateError, MigrationSet};
use crate::tenancy::SchemaName;

/// How a tenant migration run behaves.
#[derive(Debug, Clone)]
pub struct TenantMigrationOptions {
    /// Schemas migrated at the same time.
    pub parallelism: usize,
    /// How long to wait for schemas another runner holds before reporting them busy.
    pub busy_wait: Duration,
    /// Counters a caller may watch to show progress.
    pub progress: Arc<Progress>,
}

impl Default for TenantMigrationOptions {
    fn default() -> Self {
        Self {
            parallelism: 4,
            busy_wait: Duration::from_secs(30),
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

/// The answer of the single status query.
#[derive(Debug, Clone, Copy)]
pub struct Status {
    platform_current: bool,
    pending: i64,
    pub quarantined: i64,
}

impl Status {
    pub fn is_current(&self) -> bool {
        self.platform_current && self.pending == 0
    }
}

/// One query: is the platform schema current, how many tenant schemas are
/// behind, how many are quarantined. `None` when the platform schema does not
/// exist yet (or cannot be read).
pub async fn status(
    pool: &PgPool,
    platform_set: &MigrationSet,
    tenant_set: &MigrationSet,
) -> Option<Status> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT coalesce(max(version), 0) FROM platform.schema_migrations) AS "platform!",
             count(*) FILTER (WHERE version < $1 AND status <> 'quarantined') AS "pending!",
             count(*) FILTER (WHERE status = 'quarantined') AS "quarantined!"
           FROM platform.tenant_schemas"#,
        tenant_set.latest()
    )
    .fetch_one(pool)
    .await
    .ok()?;
    Some(Status {
        platform_current: row.platform >= platform_set.latest(),
        pending: row.pending,
        quarantined: row.quarantined,
    })
}

/// Migrates every schema behind `set.latest()`.
pub async fn migrate(
    pool: &PgPool,
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
    let deadline = Instant::now() + options.busy_wait;
    loop {
        let workers = (0..options.parallelism.max(1)).map(|_| drain(pool, set, progress));
        for outcome in futures::future::join_all(workers).await {
            failed.extend(outcome?);
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

/// Migrates schemas one after another until none is left to claim.
async fn drain(
    pool: &PgPool,
    set: &MigrationSet,
    progress: &Progress,
) -> Result<Vec<FailedSchema>, MigrateError> {
    let mut failed = Vec::new();
    loop {
        match migrate_next(pool, set).await? {
            Step::Migrated => {
                progress.migrated.fetch_add(1, Ordering::Relaxed);
            }
            Step::Failed(failure) => {
                tracing::warn!(schema = %failure.schema, migration = %failure.migration,
                    error = %failure.error, "tenant schema quarantined");
                progress.failed.fetch_add(1, Ordering::Relaxed);
                failed.push(failure);
            }
            Step::NoneLeft => return Ok(failed),
        }
    }
}

enum Step {
    Migrated,
    Failed(FailedSchema),
    NoneLeft,
}

async fn migrate_next(pool: &PgPool, set: &MigrationSet) -> Result<Step, MigrateError> {
    let target = set.latest();
    let mut tx = pool.begin().await?;
    let claimed = sqlx::query!(
        "SELECT schema_name, version, tenant_id FROM platform.tenant_schemas
         WHERE version < $1 AND status <> 'quarantined'
         ORDER BY schema_name
         FOR UPDATE SKIP LOCKED LIMIT 1",
        target
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = claimed else {
        return Ok(Step::NoneLeft);
    };
    let Some(schema) = SchemaName::parse(&row.schema_name) else {
        return Ok(Step::Failed(
            quarantine(tx, &row.schema_name, "-", "invalid schema name").await?,
        ));
    };
    let mut savepoint = tx.begin().await?;
    match apply(&mut savepoint, &schema, set, row.version).await {
        Ok(()) => {
            savepoint.commit().await?;
            sqlx::query!(
                "UPDATE platform.tenant_schemas
                 SET version = $2, last_error = NULL, updated_at = now()
                 WHERE schema_name = $1",
                schema.as_str(),
                target
            )
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(Step::Migrated)
        }
        Err((migration, error)) => {
            savepoint.rollback().await?;
            if row.tenant_id.is_none() {
                // A spare of the warm pool is disposable: drop it rather than
                // keep a broken schema around.
                drop_schema(&mut tx, &schema).await?;
                tx.commit().await?;
                return Ok(Step::Failed(FailedSchema {
                    schema: schema.to_string(),
                    migration,
                    error: format!("{error} (spare schema dropped)"),
                }));
            }
            Ok(Step::Failed(
                quarantine(tx, schema.as_str(), &migration, &error.to_string()).await?,
            ))
        }
    }
}

async fn quarantine(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    schema: &str,
    migration: &str,
    error: &str,
) -> Result<FailedSchema, MigrateError> {
    let message = format!("migration {migration}: {error}");
    sqlx::query!(
        "UPDATE platform.tenant_schemas
         SET status = 'quarantined', last_error = $2, updated_at = now()
         WHERE schema_name = $1",
        schema,
        message
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(FailedSchema {
        schema: schema.to_owned(),
        migration: migration.to_owned(),
        error: error.to_owned(),
    })
}

/// Runs the migrations `schema` lacks, inside the caller's transaction.
/// On failure, names the migration and returns the database error.
pub async fn apply(
    conn: &mut PgConnection,
    schema: &SchemaName,
    set: &MigrationSet,
    from_version: i64,
) -> Result<(), (String, sqlx::Error)> {
    let scope = format!("SET LOCAL search_path TO {schema}; SET LOCAL lock_timeout = '10s'");
    sqlx::raw_sql(AssertSqlSafe(scope))
        .execute(&mut *conn)
        .await
        .map_err(|e| ("search_path".to_owned(), e))?;
    for migration in set.after(from_version) {
        sqlx::raw_sql(AssertSqlSafe(migration.sql.clone()))
            .execute(&mut *conn)
            .await
            .map_err(|e| (format!("{:04}_{}", migration.version, migration.name), e))?;
    }
    Ok(())
}

/// Creates `schema` and its role, migrates it fully and registers it, in the caller's
/// transaction. `tenant_id` is `None` for a spare of the warm pool.
pub async fn install(
    conn: &mut PgConnection,
    schema: &SchemaName,
    tenant_id: Option<i64>,
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
        tenant_id,
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

async fn pending_count(pool: &PgPool, target: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM platform.tenant_schemas
           WHERE version < $1 AND status <> 'quarantined'"#,
        target
    )
    .fetch_one(pool)
    .await
}

async fn quarantined_count(pool: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM platform.tenant_schemas WHERE status = 'quarantined'"#
    )
    .fetch_one(pool)
    .await
}

/// Puts quarantined schemas back in line for the next run (after the cause
/// was fixed); returns how many.
pub async fn release_quarantine(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE platform.tenant_schemas SET status = 'ready', updated_at = now()
         WHERE status = 'quarantined'"
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
