//! W5: one new tenant migration (a column with a default) applied to every
//! tenant, then a run with nothing to do: either in a scratch database of
//! its own, or in place over an existing data set (W8's 10,000 tenants,
//! which a scratch copy would double on disk), whose history is put back
//! afterwards.

use std::time::Instant;

use futures::StreamExt;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::db::Platform;
use crate::model::SchemaName;

use crate::db::migrate::{self, Migration, MigrationSet, TenantMigrationOptions};
use crate::tenancy::provision::{NewTenant, Provisioner};
use crate::tenancy::{Hostname, Slug};

#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrateReport {
    pub tenants: usize,
    pub migrated: u64,
    pub failed: usize,
    pub wall_s: f64,
    pub noop_ms: f64,
    pub setup_s: f64,
}

/// Recreates the database `name` next to `options`, provisions `tenants`
/// tenants in it (untimed), then times the W5 migration and a no-op run.
pub async fn run(
    options: &PgConnectOptions,
    name: &str,
    tenants: usize,
    parallelism: usize,
) -> anyhow::Result<MigrateReport> {
    let setup_started = Instant::now();
    let pool = recreate_database(options, name).await?;
    migrate::run(&pool, &TenantMigrationOptions::default()).await?;
    let host = |h: &str| Hostname::parse(h);
    let provisioner = Provisioner::new(
        pool.clone(),
        host("w5.localhost")?,
        host("admin.localhost")?,
    )
    .without_warm_pool();
    let created: Vec<anyhow::Result<()>> = futures::stream::iter(0..tenants)
        .map(|i| {
            let provisioner = &provisioner;
            async move {
                let slug = Slug::parse(&format!("w5-{i:05}"))?;
                provisioner
                    .create(&NewTenant::new(slug, format!("W5 {i}")), "bench")
                    .await?;
                Ok(())
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    created.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    let setup = setup_started.elapsed();
    let report = time_migration(&pool, tenants, parallelism, setup).await;
    pool.close().await;
    report
}

/// Times the W5 migration over every tenant already in `pool`'s database,
/// then removes it again (column, history, versions; untimed) so the data
/// set stays at the binary's own latest migration.
pub async fn run_in_place(pool: &Platform, parallelism: usize) -> anyhow::Result<MigrateReport> {
    let tenants = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM platform.tenant_schemas WHERE status = 'ready'"#
    )
    .fetch_one(pool)
    .await?;
    let report = time_migration(
        pool,
        usize::try_from(tenants)?,
        parallelism,
        Default::default(),
    )
    .await;
    let undone = undo(pool, w5_migration().version).await;
    let report = report?;
    undone?;
    Ok(report)
}

async fn time_migration(
    pool: &Platform,
    tenants: usize,
    parallelism: usize,
    setup: std::time::Duration,
) -> anyhow::Result<MigrateReport> {
    let set = MigrationSet::tenant().with([w5_migration()]);
    let options = TenantMigrationOptions {
        parallelism,
        ..TenantMigrationOptions::default()
    };
    let started = Instant::now();
    let report = migrate::run_with(pool, &MigrationSet::platform(), &set, &options).await?;
    let wall = started.elapsed();
    let started = Instant::now();
    let again = migrate::run_with(pool, &MigrationSet::platform(), &set, &options).await?;
    let noop = started.elapsed();
    anyhow::ensure!(again.nothing_pending, "the second run still found work");
    Ok(MigrateReport {
        tenants,
        migrated: report.tenants.migrated,
        failed: report.tenants.failed.len(),
        wall_s: wall.as_secs_f64(),
        noop_ms: noop.as_secs_f64() * 1000.0,
        setup_s: setup.as_secs_f64(),
    })
}

/// Takes the W5 migration (`version`) back out of every schema that has it,
/// one schema per transaction: altering 10,000 tables in one would need
/// more locks than PostgreSQL's shared lock table holds.
async fn undo(pool: &Platform, version: i64) -> anyhow::Result<()> {
    let schemas = sqlx::query_scalar!(
        "SELECT schema_name FROM platform.tenant_schemas WHERE version = $1",
        version
    )
    .fetch_all(pool)
    .await?;
    for raw in schemas {
        let schema = SchemaName::parse(&raw)
            .ok_or_else(|| anyhow::anyhow!("unexpected schema name {raw:?}"))?;
        let mut tx = pool.begin().await?;
        let drop = format!("ALTER TABLE {schema}.members DROP COLUMN IF EXISTS newsletter_opt_in");
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
            .execute(&mut *tx)
            .await?;
        sqlx::query!(
            "DELETE FROM platform.tenant_schema_migrations WHERE schema_name = $1 AND version = $2",
            schema.as_str(),
            version
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "UPDATE platform.tenant_schemas SET version = $2 - 1
             WHERE schema_name = $1 AND version = $2",
            schema.as_str(),
            version
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    sqlx::query!(
        "DELETE FROM platform.tenant_migration_checksums WHERE version = $1",
        version
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The workload's migration: add a column with a (constant) default, which
/// PostgreSQL applies without rewriting the table.
fn w5_migration() -> Migration {
    Migration {
        version: MigrationSet::tenant().latest() + 1,
        name: "bench_w5_newsletter_opt_in".into(),
        sql: "ALTER TABLE members ADD COLUMN newsletter_opt_in boolean NOT NULL DEFAULT false;"
            .into(),
        checksum: b"bench-w5".to_vec(),
    }
}

async fn recreate_database(options: &PgConnectOptions, name: &str) -> anyhow::Result<Platform> {
    anyhow::ensure!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "database name must be lowercase letters, digits and underscores"
    );
    let mut admin = PgConnection::connect_with(options).await?;
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&mut admin)
        .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await?;
    admin.close().await?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options.clone().database(name))
        .await?;
    Ok(pool.into())
}
