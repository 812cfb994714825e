//! `tessera user create|list|set-role|deactivate|reactivate --tenant SLUG`:
//! the operator's way to manage a tenant's accounts (the first admin, a
//! locked-out association). The same rules as the staff pages apply (the
//! last active admin stays), and every change is audited with no actor and
//! `"via": "cli"`.

use std::io::Read as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use serde_json::json;

use super::DatabaseHandle;
use crate::accounts::model::Status;
use crate::accounts::staff::actions::{self, Actor, Invitee, LinkBase};
use crate::accounts::store::{self, NewAccount};
use crate::accounts::{Account, Email};
use crate::audit::{self, Entry};
use crate::auth::Role;
use crate::auth::password::{self, Passwords};
use crate::config::Config;
use crate::db::{Database, TenantTx};
use crate::tenancy::{Slug, registry};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account: active with a password read from standard input,
    /// otherwise invited (the invitation link is printed).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        /// Display name (default: the part of the address before `@`).
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List a tenant's accounts.
    List {
        #[arg(long)]
        tenant: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Change an account's role (its sessions end).
    SetRole {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Deactivate an account (it can no longer sign in; its sessions end).
    Deactivate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Reactivate a deactivated account.
    Reactivate {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
}

pub async fn run(config: Config, command: UserCommand) -> anyhow::Result<ExitCode> {
    DatabaseHandle::with_migrated(&config, async |db| execute(&config, &db, command).await).await?;
    Ok(ExitCode::SUCCESS)
}

async fn execute(config: &Config, db: &Database, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Create {
            tenant,
            email,
            role,
            name,
            password_stdin,
        } => {
            let email = Email::parse(&email)?;
            let role: Role = role.parse()?;
            let password = password_stdin.then(read_password).transpose()?;
            let name = name.unwrap_or_else(|| local_part(&email));
            let mut tx = open(db, &tenant).await?;
            create(config, &mut tx, email, role, name, password).await?;
            tx.commit().await?;
        }
        UserCommand::List { tenant, json } => {
            let mut tx = open(db, &tenant).await?;
            list(&mut tx, json).await?;
        }
        UserCommand::SetRole {
            tenant,
            email,
            role,
        } => {
            let role: Role = role.parse()?;
            let mut tx = open(db, &tenant).await?;
            let account = find(&mut tx, &email).await?;
            let changed = actions::change_role(&mut tx, Actor::CLI, account.id, role).await?;
            tx.commit().await?;
            say(
                changed,
                &format!("{} is now {role}", account.email),
                "unchanged",
            );
        }
        UserCommand::Deactivate { tenant, email } => {
            let mut tx = open(db, &tenant).await?;
            let account = find(&mut tx, &email).await?;
            let changed = actions::deactivate(&mut tx, Actor::CLI, account.id).await?;
            tx.commit().await?;
            say(
                changed,
                &format!("{} is deactivated", account.email),
                "already deactivated",
            );
        }
        UserCommand::Reactivate { tenant, email } => {
            let mut tx = open(db, &tenant).await?;
            let account = find(&mut tx, &email).await?;
            let changed = actions::reactivate(&mut tx, Actor::CLI, account.id).await?;
            tx.commit().await?;
            say(
                changed,
                &format!("{} is reactivated", account.email),
                "was not deactivated",
            );
        }
    }
    Ok(())
}

fn say(changed: bool, done: &str, unchanged: &str) {
    match changed {
        true => println!("{done}"),
        false => println!("{unchanged}; nothing changed"),
    }
}

fn local_part(email: &Email) -> String {
    let local = email.as_str().split('@').next().unwrap_or_default();
    local.chars().take(120).collect()
}

/// A transaction on the tenant `slug`'s schema.
/// A transaction on the tenant named `slug`.
pub(super) async fn open(db: &Database, slug: &str) -> anyhow::Result<TenantTx> {
    let slug = Slug::parse(slug)?;
    let Some(tenant) = registry::find_by_slug(db.platform(), &slug).await? else {
        bail!("no tenant has the slug {slug}");
    };
    Ok(TenantTx::begin(db, Arc::new(tenant)).await?)
}

async fn find(tx: &mut TenantTx, email: &str) -> anyhow::Result<Account> {
    let parsed = Email::parse(email)?;
    store::find_by_email(tx, &parsed)
        .await?
        .with_context(|| format!("no account has the address {parsed}"))
}

pub(super) fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut text)
        .context("cannot read the password from standard input")?;
    let line = text.lines().next().unwrap_or_default().to_owned();
    if line.is_empty() {
        bail!("--password-stdin: standard input holds no password");
    }
    Ok(line)
}

async fn create(
    config: &Config,
    tx: &mut TenantTx,
    email: Email,
    role: Role,
    name: String,
    password: Option<String>,
) -> anyhow::Result<()> {
    let Some(password) = password else {
        let base = LinkBase::configured(&config.http, tx.tenant().canonical_host().as_str());
        let invitee = Invitee { email, name, role };
        let (id, link) = actions::invite(tx, Actor::CLI, &invitee, "", &base).await?;
        println!("invited {} (account {id}, {role})", invitee.email);
        println!("invitation link: {link}");
        return Ok(());
    };
    if let Err(weakness) = password::check_strength(&password, email.as_str()) {
        bail!("password refused: {}", weakness.key());
    }
    let hash = Passwords::new(1)?.hash(&password).await?;
    let new = NewAccount {
        email: &email,
        display_name: &name,
        role,
        status: Status::Active,
        password_hash: Some(&hash),
        locale: None,
        // The operator vouches for the address.
        email_verified: true,
    };
    let id = store::create(tx, new)
        .await
        .map_err(actions::ActionError::from)?;
    let entry = Entry::new("account.created")
        .on(id)
        .with(json!({ "via": "cli", "role": role }));
    audit::record(tx, entry).await?;
    println!("created {email} (account {id}, {role}, active)");
    Ok(())
}

async fn list(tx: &mut TenantTx, json: bool) -> anyhow::Result<()> {
    let accounts = all_accounts(tx).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&accounts)?);
        return Ok(());
    }
    println!(
        "{:<6} {:<36} {:<28} {:<10} {:<12} 2FA",
        "ID", "EMAIL", "NAME", "ROLE", "STATUS"
    );
    for a in &accounts {
        println!(
            "{:<6} {:<36} {:<28} {:<10} {:<12} {}",
            a.id,
            a.email,
            a.display_name,
            a.role,
            a.status.as_str(),
            if a.two_factor { "on" } else { "off" }
        );
    }
    println!("{} account(s)", accounts.len());
    Ok(())
}

/// Every account, by name (the command line has no pages).
async fn all_accounts(tx: &mut TenantTx) -> anyhow::Result<Vec<Account>> {
    let ids = sqlx::query_scalar!("SELECT id FROM accounts ORDER BY lower(display_name), id")
        .fetch_all(tx.conn().await?)
        .await?;
    let mut accounts = Vec::with_capacity(ids.len());
    for id in ids {
        accounts.extend(store::find(tx, id).await?);
    }
    Ok(accounts)
}
