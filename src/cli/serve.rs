//! `tessera serve`: migrate, then serve HTTP until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use super::{DatabaseHandle, shutdown_signal};
use crate::app::Application;
use crate::config::Config;
use crate::db::migrate::{self, TenantMigrationOptions};

pub async fn run(config: Config) -> anyhow::Result<ExitCode> {
    let handle = DatabaseHandle::open(&config).await?;
    let served = serve(&handle, config).await;
    handle.close().await?;
    served.map(|()| ExitCode::SUCCESS)
}

async fn serve(handle: &DatabaseHandle, config: Config) -> anyhow::Result<()> {
    migrate_at_start(handle, &config).await?;
    let app = Application::build(config, handle.db.clone()).await?;
    if let Some(addr) = app.local_addr() {
        tracing::info!(%addr, "listening");
    }
    if let Some(addr) = app.metrics_addr() {
        tracing::info!(%addr, "serving /metrics");
    }
    app.run_until(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Applies pending migrations; a quarantined tenant is logged, not fatal.
///
/// A database already migrated by the next release is served as it is:
/// a release's migrations only add what the previous one ignores (see
/// `deploy/README.md`), so during a rolling upgrade, or a rollback, an
/// instance of the previous release may start and serve beside the new
/// ones. `tessera migrate` itself still refuses such a database.
pub async fn migrate_at_start(handle: &DatabaseHandle, config: &Config) -> anyhow::Result<()> {
    let options = TenantMigrationOptions {
        parallelism: config.db.migrate_parallelism,
        max_failures: config.migrate.max_failures,
        ..TenantMigrationOptions::default()
    };
    let report = match migrate::run_all(&handle.db, &options).await {
        Err(error @ migrate::MigrateError::DatabaseNewer { .. }) => {
            tracing::warn!(%error, "serving a database migrated by a newer release");
            return Ok(());
        }
        report => report?,
    };
    if !report.nothing_pending {
        tracing::info!(
            platform = report.platform_applied,
            tenants = report.tenants.migrated,
            failed = report.tenants.failed.len(),
            "migrations applied"
        );
    }
    for failure in &report.tenants.failed {
        tracing::error!(schema = %failure.schema, migration = %failure.migration, error = %failure.error,
            "tenant schema quarantined");
    }
    Ok(())
}
