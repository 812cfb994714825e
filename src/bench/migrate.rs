//! W5: one new tenant migration (a column with a default) applied to every
//! tenant, in a database of its own so the real schema history of the data
//! set is never touched; then a run with nothing to do.

use std::time::Instant;

use futures::StreamExt;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use crate::db::Platform;

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

    let set = MigrationSet::tenant().with([w5_migration()]);
    let options = TenantMigrationOptions {
        parallelism,
        ..TenantMigrationOptions::default()
    };
    let started = Instant::now();
    let report = migrate::run_with(&pool, &MigrationSet::platform(), &set, &options).await?;
    let wall = started.elapsed();
    let started = Instant::now();
    let again = migrate::run_with(&pool, &MigrationSet::platform(), &set, &options).await?;
    let noop = started.elapsed();
    anyhow::ensure!(again.nothing_pending, "the second run still found work");
    pool.close().await;
    Ok(MigrateReport {
        tenants,
        migrated: report.tenants.migrated,
        failed: report.tenants.failed.len(),
        wall_s: wall.as_secs_f64(),
        noop_ms: noop.as_secs_f64() * 1000.0,
        setup_s: setup.as_secs_f64(),
    })
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
