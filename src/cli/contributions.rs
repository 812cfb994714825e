//! `tessera contributions export|remind --tenant SLUG`: an association's
//! payments as CSV on standard output (the same file as the treasurer's
//! export), and its renewal reminders and digest sent now rather than at
//! the next hourly sweep (each still leaves once).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::bail;
use chrono::Utc;
use clap::Subcommand;
use futures::StreamExt as _;

use super::DatabaseHandle;
use super::user::open;
use crate::auth::Keys;
use crate::config::Config;
use crate::contributions::payments::export;
use crate::contributions::payments::list::{self, PaymentFilter};
use crate::contributions::reminders::{self, links::Linker};
use crate::db::Database;
use crate::model::TenantStatus;

#[derive(Debug, Subcommand)]
pub enum ContributionsCommand {
    /// Write a tenant's payments as CSV to standard output, newest first.
    Export {
        #[arg(long)]
        tenant: String,
        /// Only the season starting in this year (e.g. 2026 for 2026-2027).
        #[arg(long, value_parser = clap::value_parser!(i32).range(1900..=9999))]
        season: Option<i32>,
    },
    /// Send a tenant's due renewal reminders (and its weekly digest) now.
    Remind {
        #[arg(long)]
        tenant: String,
    },
}

pub async fn run(config: Config, command: ContributionsCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(&config, &db, command).await).await?;
    Ok(ExitCode::SUCCESS)
}

async fn execute(
    config: &Config,
    db: &Database,
    command: ContributionsCommand,
) -> anyhow::Result<()> {
    match command {
        ContributionsCommand::Export { tenant, season } => {
            let mut tx = open(db, &tenant).await?;
            let mut filter = PaymentFilter::default();
            if let Some(year) = season {
                filter = filter.within(list::season(&mut tx, year).await?);
            }
            let mut body = export::csv(tx, filter).into_data_stream();
            let mut out = std::io::stdout().lock();
            while let Some(chunk) = body.next().await {
                out.write_all(&chunk?)?;
            }
            out.flush()?;
        }
        ContributionsCommand::Remind { tenant } => {
            let tx = open(db, &tenant).await?;
            let tenant = tx.tenant().clone();
            tx.commit().await?;
            // As the hourly sweep: a suspended association, or one whose
            // schema is not ready, mails nobody.
            if tenant.status != TenantStatus::Active || !tenant.is_servable() {
                bail!(
                    "{} is suspended or not migrated: no reminders are sent",
                    tenant.slug
                );
            }
            let linker = Linker {
                keys: Keys::load(db.platform()).await?,
                http: config.http.clone(),
            };
            let today = Utc::now().date_naive();
            let report = reminders::run(db, tenant, &linker, today, reminders::BATCH).await?;
            println!(
                "{} reminder(s) and {} digest(s) queued",
                report.reminders, report.digests
            );
        }
    }
    Ok(())
}
