//! `tessera affiliation …`: the platform's referral programme for
//! operators at a shell: charge an association its platform fees (the
//! programme's sales), refund part of one, list the commission ledger, and
//! run the sweep (holds, holding periods, fee credits) now.

use std::process::ExitCode;

use clap::Subcommand;

use super::DatabaseHandle;
use crate::affiliation::books::Books;
use crate::affiliation::{platform, programs, stats};
use crate::config::Config;
use crate::db::Platform;
use crate::model::{Amount, Currency, Slug};
use crate::tenancy::registry;

#[derive(Debug, Subcommand)]
pub enum AffiliationCommand {
    /// Charge an association a platform fee (its partner earns from it).
    Fee {
        /// The association's slug.
        #[arg(long)]
        tenant: String,
        /// In euros, e.g. 120.00.
        #[arg(long)]
        amount: String,
        #[arg(long)]
        label: String,
    },
    /// Give back part of a fee's money (the commission is recomputed).
    Refund {
        id: i64,
        /// In euros.
        #[arg(long)]
        amount: String,
    },
    /// The platform programme's commission lines, newest first, as JSON.
    Ledger {
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Release expired holds, mature lines and give fee credits now.
    Sweep,
}

pub async fn run(config: Config, command: AffiliationCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(db.platform(), command).await).await
}

fn euros(text: &str) -> anyhow::Result<i64> {
    Ok(Amount::parse(text, Currency::EUR)
        .map_err(|e| anyhow::anyhow!("amount: {e}"))?
        .minor())
}

async fn execute(pool: &Platform, command: AffiliationCommand) -> anyhow::Result<ExitCode> {
    match command {
        AffiliationCommand::Fee {
            tenant,
            amount,
            label,
        } => {
            let slug = Slug::parse(&tenant).map_err(|e| anyhow::anyhow!("tenant: {e}"))?;
            let found = registry::find_by_slug(pool, &slug).await?;
            let Some(found) = found else {
                eprintln!("no tenant {slug}");
                return Ok(ExitCode::FAILURE);
            };
            let fee = platform::NewFee {
                tenant_id: found.id.get(),
                label,
                amount_minor: euros(&amount)?,
                currency: "EUR".into(),
            };
            let fee = platform::charge(pool, fee, None)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&fee)?);
        }
        AffiliationCommand::Refund { id, amount } => {
            let fee = platform::refund(pool, id, euros(&amount)?)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&fee)?);
        }
        AffiliationCommand::Ledger { limit } => {
            let mut tx = platform::begin(pool).await?;
            let mut books = Books::Platform(&mut tx);
            let mut lines = Vec::new();
            for program in programs::list(&mut books).await? {
                lines.extend(
                    stats::lines(&mut books, program.id, None, limit.clamp(1, 10_000)).await?,
                );
            }
            println!("{}", serde_json::to_string_pretty(&lines)?);
        }
        AffiliationCommand::Sweep => {
            let given = platform::sweep(pool, chrono::Utc::now()).await?;
            println!("platform programme swept: {given} fee credits given");
        }
    }
    Ok(ExitCode::SUCCESS)
}
