//! `tessera reporting publish [--tenant SLUG]`: each ready tenant's
//! aggregates published now (what the daily job does), printed one line
//! per tenant.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use super::DatabaseHandle;
use crate::config::Config;
use crate::db::Database;
use crate::model::{Slug, TenantId};
use crate::reporting::operators::publish;
use crate::tenancy::registry;

#[derive(Debug, Subcommand)]
pub enum ReportingCommand {
    /// Publish tenants' figures to the platform now.
    Publish {
        /// Only this tenant (else every active, ready tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub async fn run(config: Config, command: ReportingCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(&db, command).await).await
}

async fn execute(db: &Database, command: ReportingCommand) -> anyhow::Result<ExitCode> {
    let ReportingCommand::Publish { tenant } = command;
    let ids = match tenant {
        Some(slug) => {
            let slug = Slug::parse(slug.trim()).map_err(|e| anyhow::anyhow!("{e}"))?;
            match registry::find_by_slug(db.platform(), &slug).await? {
                Some(found) => vec![found.id],
                None => {
                    eprintln!("no tenant {slug}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        None => publish::publishing(db.platform()).await?,
    };
    for id in ids {
        publish_one(db, id).await?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn publish_one(db: &Database, id: TenantId) -> anyhow::Result<()> {
    let Some(tenant) = registry::find_by_id(db.platform(), id).await? else {
        return Ok(());
    };
    let slug = tenant.slug.clone();
    let figures = publish::publish(db, Arc::new(tenant)).await?;
    println!(
        "{slug}: {} members, {} licences, {} payments this season",
        figures.members, figures.licences, figures.payments
    );
    Ok(())
}
