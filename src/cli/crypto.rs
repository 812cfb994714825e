//! `tessera crypto reseal [--tenant SLUG]`: what the daily job does, now:
//! operators' TOTP secrets, then every sealed column of each ready tenant
//! (or one), brought under the active key of `[crypto]`, one line each. After a new key is made
//! active, run it; once every tenant reports nothing stuck, the old key
//! may leave `[crypto] keys`.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Subcommand;

use super::DatabaseHandle;
use crate::config::Config;
use crate::db::{Database, TenantTx};
use crate::model::{Slug, TenantId};
use crate::platform::operators;
use crate::privacy;
use crate::tenancy::registry;

#[derive(Debug, Subcommand)]
pub enum CryptoCommand {
    /// Seal what is still clear and re-seal what an older key sealed.
    Reseal {
        /// Only this tenant (else every active, ready tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub async fn run(config: Config, command: CryptoCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(&db, command).await).await
}

async fn execute(db: &Database, command: CryptoCommand) -> anyhow::Result<ExitCode> {
    let CryptoCommand::Reseal { tenant } = command;
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
        None => registry::list(db.platform())
            .await?
            .into_iter()
            .filter(|t| t.status == "active" && t.schema_status.as_deref() == Some("ready"))
            .map(|t| TenantId::new(t.id))
            .collect(),
    };
    let mut conn = db.platform().begin().await?;
    let operators = operators::sealing::reseal(&mut conn, db.keyring()).await?;
    conn.commit().await?;
    println!("operators: re-sealed {}", operators.resealed);
    let mut stuck = operators.stuck;
    for id in ids {
        stuck += reseal_one(db, id).await?;
    }
    println!("active key: {}", db.keyring().active_id());
    if stuck > 0 {
        eprintln!(
            "{stuck} rows hold values under a key no longer in [crypto] keys: put it back to re-seal them"
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Re-seals one tenant; returns its rows left stuck.
async fn reseal_one(db: &Database, id: TenantId) -> anyhow::Result<u64> {
    let Some(tenant) = registry::find_by_id(db.platform(), id).await? else {
        return Ok(0);
    };
    let slug = tenant.slug.clone();
    let mut tx = TenantTx::begin(db, Arc::new(tenant)).await?;
    let done = privacy::reseal_tenant(&mut tx).await?;
    tx.commit().await?;
    let tables: Vec<String> = done
        .tables
        .iter()
        .filter(|(_, pass)| pass.read > 0)
        .map(|(table, pass)| format!("{table} {}", pass.resealed))
        .collect();
    match tables.is_empty() {
        true => println!("{slug}: nothing to re-seal"),
        false => println!("{slug}: re-sealed {}", tables.join(", ")),
    }
    Ok(done.stuck())
}
