//! `tessera certs list [--json]` and `tessera certs renew DOMAIN`: the
//! certificates of custom domains as the console shows them (failing ones
//! first), and an order asked for now, audited as done through the command
//! line. A running server's issuers are woken by the database's `NOTIFY`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::DatabaseHandle;
use crate::config::Config;
use crate::db::Platform;
use crate::tenancy::audit::Actor;
use crate::tls::operators::{self, RenewError};
use crate::tls::store::CertificateInfo;

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// Every certificate: status, expiry, failures, last error, next attempt.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Order a domain's certificate now: a retry after failures (the
    /// back-off is forgotten), or a valid one renewed early.
    Renew { domain: String },
}

pub async fn run(config: Config, command: CertsCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(db.platform(), command).await).await
}

async fn execute(platform: &Platform, command: CertsCommand) -> anyhow::Result<ExitCode> {
    match command {
        CertsCommand::List { json } => {
            let certificates = operators::list(platform).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&certificates)?);
            } else {
                print_table(&certificates);
            }
            Ok(ExitCode::SUCCESS)
        }
        CertsCommand::Renew { domain } => {
            match operators::renew_now(platform, &domain, &Actor::from("cli")).await {
                Ok(certificate) => {
                    println!(
                        "{}: a certificate will be ordered now (the issuers of running servers take it)",
                        certificate.hostname
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(RenewError::Unknown(name)) => {
                    eprintln!(
                        "no certificate is kept for {name}: it is not a verified custom domain \
                         (see `tessera domain list SLUG`)"
                    );
                    Ok(ExitCode::FAILURE)
                }
                Err(error) => Err(error.into()),
            }
        }
    }
}

fn print_table(certificates: &[CertificateInfo]) {
    println!(
        "{:<40}  {:<8}  {:<16}  {:>8}  {:<16}  last error",
        "domain", "status", "valid until", "failures", "next attempt"
    );
    for c in certificates {
        let error: String = c
            .last_error
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(80)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        println!(
            "{:<40}  {:<8}  {:<16}  {:>8}  {:<16}  {error}",
            c.hostname,
            c.status,
            c.not_after.map_or("-".to_owned(), minutes),
            c.failures,
            minutes(c.next_attempt_at),
        );
    }
}

/// A UTC time to the minute.
fn minutes(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}
