//! `tessera operator create|token|list|tokens|revoke-token|set-role|
//! deactivate|reset-2fa`: the platform's operators, from the command line
//! (the first one cannot come from anywhere else). Every change is in the
//! platform audit log as done through the CLI.

use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;

use super::DatabaseHandle;
use crate::auth::{Passwords, Throttle};
use crate::config::Config;
use crate::db::Database;
use crate::platform::operators::{OperatorRole, Operators};
use crate::tenancy::audit::Actor;

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Create an operator: active with a password read from standard input
    /// (the second factor is set up at first sign-in), otherwise invited
    /// with a link, printed, to choose both.
    Create {
        #[arg(long)]
        email: String,
        /// `support` (reads) or `operator` (also changes).
        #[arg(long, default_value = "support")]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Make an API token for an operator; it is printed once.
    Token {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// At most the operator's own role (default: that role).
        #[arg(long)]
        role: Option<String>,
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// List operators.
    List {
        #[arg(long)]
        json: bool,
    },
    /// List an operator's tokens (never their values).
    Tokens {
        #[arg(long)]
        email: String,
    },
    RevokeToken {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
    /// Change the role; ends the operator's sessions and revokes their tokens.
    SetRole {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Deactivate; ends the sessions and revokes the tokens.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Remove the second factor; prints a link to choose a new password
    /// and enrol again.
    Reset2fa {
        #[arg(long)]
        email: String,
    },
}

pub async fn run(config: Config, command: OperatorCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(&config, db, command).await).await
}

fn role(raw: &str) -> anyhow::Result<OperatorRole> {
    match OperatorRole::parse(raw) {
        Some(role) => Ok(role),
        None => bail!("unknown role \"{raw}\" (support or operator)"),
    }
}

/// Where operators sign in and use their links.
fn console_link(config: &Config, path: &str) -> String {
    config.http.tenant_link(config.platform_host.as_str(), path)
}

async fn execute(
    config: &Config,
    db: Database,
    command: OperatorCommand,
) -> anyhow::Result<ExitCode> {
    let operators = Operators::new(
        db.platform().clone(),
        Passwords::new(1)?,
        Throttle::new(Default::default()),
        db.keyring().clone(),
    );
    let cli = Actor::from("cli");
    match command {
        OperatorCommand::Create {
            email,
            role: raw,
            name,
            password_stdin,
        } => {
            let password = password_stdin
                .then(super::user::read_password)
                .transpose()?;
            let created = operators
                .create(&email, &name, role(&raw)?, password.as_deref(), &cli)
                .await?;
            println!("operator {email} created (id {}, {raw})", created.id);
            match created.link_token {
                Some(token) => println!(
                    "enrolment link (24 h): {}",
                    console_link(config, &format!("/enrol/{token}"))
                ),
                None => println!(
                    "sign in at {} and set up the second factor",
                    console_link(config, "/login")
                ),
            }
        }
        OperatorCommand::Token {
            email,
            name,
            role: raw,
            days,
        } => {
            let wanted = raw.as_deref().map(role).transpose()?;
            let token = operators
                .issue_token(&email, &name, wanted, days, &cli)
                .await?;
            println!("{token}");
            eprintln!("shown once: keep it in your secret store");
        }
        OperatorCommand::List { json } => {
            let list = operators.list().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for o in list {
                    let factor = if o.two_factor { "2fa" } else { "no 2fa" };
                    println!(
                        "{:<40} {:<9} {:<12} {factor}",
                        o.email,
                        o.role,
                        o.status.as_str()
                    );
                }
            }
        }
        OperatorCommand::Tokens { email } => {
            let operator = operators.find(&email).await?;
            for t in operators.tokens(operator.id).await? {
                let state = match t.revoked_at {
                    Some(_) => "revoked".to_owned(),
                    None => format!("expires {}", t.expires_at.format("%Y-%m-%d")),
                };
                println!("{:<30} {}… {:<9} {state}", t.name, t.hint, t.role);
            }
        }
        OperatorCommand::RevokeToken { email, name } => {
            if !operators.revoke_token(&email, &name, &cli).await? {
                bail!("{email} has no live token named \"{name}\"");
            }
            println!("revoked");
        }
        OperatorCommand::SetRole { email, role: raw } => {
            let changed = operators.set_role(&email, role(&raw)?, &cli).await?;
            println!("{}", if changed { "role changed" } else { "unchanged" });
        }
        OperatorCommand::Deactivate { email } => {
            let changed = operators.deactivate(&email, &cli).await?;
            println!(
                "{}",
                if changed {
                    "deactivated"
                } else {
                    "already deactivated"
                }
            );
        }
        OperatorCommand::Reset2fa { email } => {
            let token = operators.reset_two_factor(&email, &cli).await?;
            println!(
                "second factor removed; new link (24 h): {}",
                console_link(config, &format!("/enrol/{token}"))
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
