//! `tessera domain list|add|verify|primary|remove SLUG [HOST]`: a tenant's
//! custom domains from the command line, through the same service as the
//! pages and the API (claims, proofs, audit as done through the CLI).
//! `tessera tenant apply` still declares domains an operator vouches for.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;

use super::DatabaseHandle;
use crate::auth::Keys;
use crate::config::Config;
use crate::db::Database;
use crate::domains::Domains;
use crate::model::Slug;
use crate::tenancy::audit::Actor;
use crate::tenancy::claims::Claim;
use crate::tenancy::registry;

#[derive(Debug, Subcommand)]
pub enum DomainCommand {
    /// A tenant's domains, their states and the records to create.
    List { slug: String },
    /// Start a claim; prints the TXT record that proves it.
    Add { slug: String, host: String },
    /// Check the proof and DNS now.
    Verify { slug: String, host: String },
    /// Make an active domain the one the others redirect to.
    Primary {
        slug: String,
        host: String,
        /// Go back to the default host.
        #[arg(long)]
        unset: bool,
    },
    /// Remove; the domain stops routing at once.
    Remove { slug: String, host: String },
}

pub async fn run(config: Config, command: DomainCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(&config, db, command).await).await
}

async fn execute(
    config: &Config,
    db: Database,
    command: DomainCommand,
) -> anyhow::Result<ExitCode> {
    let keys = Keys::load(db.platform()).await?;
    let reserved = [config.platform_host.clone(), config.base_domain.clone()];
    let domains = Domains::new(
        db.platform().clone(),
        keys,
        config.domains.clone(),
        reserved,
    );
    let cli = Actor::from("cli");
    let tenant = |slug: &str| {
        let slug = slug.to_owned();
        let pool = db.platform().clone();
        async move {
            let slug = Slug::parse(&slug).with_context(|| format!("bad slug {slug}"))?;
            let tenant = registry::find_by_slug(&pool, &slug).await?;
            tenant
                .map(|t| t.id)
                .with_context(|| format!("no tenant has the slug {slug}"))
        }
    };
    match command {
        DomainCommand::List { slug } => {
            for claim in domains.list(tenant(&slug).await?).await? {
                print_claim(&domains, &claim);
            }
        }
        DomainCommand::Add { slug, host } => {
            let claim = domains.add(tenant(&slug).await?, &host, &cli).await?;
            print_claim(&domains, &claim);
        }
        DomainCommand::Verify { slug, host } => {
            let claim = domains.check_now(tenant(&slug).await?, &host, &cli).await?;
            print_claim(&domains, &claim);
            if !claim.state.routes() {
                return Ok(ExitCode::FAILURE);
            }
        }
        DomainCommand::Primary { slug, host, unset } => {
            let target = (!unset).then_some(host.as_str());
            domains
                .set_primary(tenant(&slug).await?, target, &cli)
                .await?;
            println!("primary domain: {}", target.unwrap_or("(the default host)"));
        }
        DomainCommand::Remove { slug, host } => {
            domains.remove(tenant(&slug).await?, &host, &cli).await?;
            println!("removed {host}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_claim(domains: &Domains, claim: &Claim) {
    let records = domains.instructions(claim);
    let primary = if claim.is_primary { " (primary)" } else { "" };
    println!(
        "{}{primary}: {} · dns {} · certificate {}{}",
        claim.hostname,
        claim.state.as_str(),
        claim.dns_status,
        claim.cert_status,
        claim
            .last_error
            .as_deref()
            .map(|e| format!(" · {e}"))
            .unwrap_or_default()
    );
    if !claim.state.routes() {
        println!("  TXT {} = {}", records.txt_name, records.txt_value);
    }
}
