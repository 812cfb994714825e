//! `tessera migrate`: platform schema, then every tenant schema, with
//! progress on the terminal for long runs.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::Args;

use super::DatabaseHandle;
use crate::config::Config;
use crate::db::migrate::{self, MigrationReport, Progress, TenantMigrationOptions, tenants};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Put quarantined tenant schemas back in line and retry them.
    #[arg(long)]
    pub retry_quarantined: bool,
    /// Tenant schemas migrated at the same time (overrides db.migrate_parallelism).
    #[arg(long)]
    pub parallelism: Option<usize>,
}

pub async fn run(config: Config, args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let handle = DatabaseHandle::open(&config).await?;
    let result = migrate_all(&handle, &config, &args).await;
    handle.close().await?;
    let report = result?;
    print_report(&report);
    Ok(if report.tenants.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn migrate_all(
    handle: &DatabaseHandle,
    config: &Config,
    args: &MigrateArgs,
) -> anyhow::Result<MigrationReport> {
    let pool = handle.db.platform();
    if args.retry_quarantined {
        let released = tenants::release_quarantine(pool).await?;
        println!("{released} quarantined schema(s) put back in line");
    }
    let options = TenantMigrationOptions {
        parallelism: args.parallelism.unwrap_or(config.db.migrate_parallelism),
        max_failures: config.migrate.max_failures,
        ..TenantMigrationOptions::default()
    };
    let printer = spawn_progress_printer(options.progress.clone());
    let report = migrate::run_all(&handle.db, &options).await;
    printer.abort();
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
    Ok(report?)
}

/// Prints a progress line every half second while a run is long.
fn spawn_progress_printer(progress: Arc<Progress>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let terminal = std::io::stderr().is_terminal();
        let mut ticks = 0u32;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            ticks += 1;
            let total = progress.total.load(Ordering::Relaxed);
            let done = progress.migrated.load(Ordering::Relaxed);
            let failed = progress.failed.load(Ordering::Relaxed);
            let line =
                format!("migrating tenant schemas: {done}/{total} done, {failed} quarantined");
            if terminal {
                eprint!("\r\x1b[2K{line}");
                let _ = std::io::stderr().flush();
            } else if ticks.is_multiple_of(10) {
                eprintln!("{line}");
            }
        }
    })
}

pub fn print_report(report: &MigrationReport) {
    if report.nothing_pending {
        println!("nothing to migrate: every schema is current");
    } else {
        let tenants = &report.tenants;
        println!(
            "platform: {} migration(s) applied; tenants: {} migrated, {} failed in {:.2?}",
            report.platform_applied,
            tenants.migrated,
            tenants.failed.len(),
            tenants.elapsed
        );
        for failure in &tenants.failed {
            println!(
                "  quarantined {} at {}: {}",
                failure.schema, failure.migration, failure.error
            );
        }
        if tenants.busy > 0 {
            println!(
                "  {} schema(s) still held by another migration run",
                tenants.busy
            );
        }
    }
    if report.tenants.quarantined > 0 {
        println!(
            "{} schema(s) in quarantine: fix the cause, then run `tessera migrate --retry-quarantined`",
            report.tenants.quarantined
        );
    }
}
