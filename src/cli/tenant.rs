//! `tessera tenant create|apply|suspend|resume`, `list|show` (in [`read`]),
//! and (in [`portability`]) `delete|restore|purge|export|import|move`.

mod portability;
mod read;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;

use super::DatabaseHandle;
use crate::accounts::Email;
use crate::app::load_themes;
use crate::config::Config;
use crate::manifest;
use crate::tenancy::nodes::Nodes;
use crate::tenancy::provision::{NewTenant, Provisioner};
use crate::tenancy::{Hostname, Slug, TenantStatus, warm_pool};

const ACTOR: &str = "cli";

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (its schema, default host and admin invitation).
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// A custom domain (repeatable).
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// The first administrator, who will receive an invitation.
        #[arg(long)]
        admin_email: Option<String>,
        #[arg(long, default_value = "fr")]
        locale: String,
        #[arg(long, default_value = "default")]
        theme: String,
        /// Migrate a fresh schema instead of claiming a warm spare.
        #[arg(long)]
        no_warm_pool: bool,
    },
    /// List tenants (deleted ones, awaiting their purge, with --all).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Include deleted tenants.
        #[arg(long)]
        all: bool,
    },
    /// Show one tenant in detail.
    Show { slug: String },
    /// Stripe Connect: the association takes cards on its Stripe account
    /// `acct_…`, connected to the platform's (`[stripe] connect_secret_key`).
    StripeAccount { slug: String, account: String },
    /// Create or update tenants from manifests (tenants/<slug>/tenant.toml).
    Apply {
        /// Folder of manifests (default: tenants_dir from the configuration).
        dir: Option<PathBuf>,
        /// Delete tenants that have no manifest (with all their data).
        /// Without --yes, only lists them and changes nothing.
        #[arg(long)]
        prune: bool,
        /// Confirms the deletions of --prune.
        #[arg(long, requires = "prune")]
        yes: bool,
    },
    /// Suspend a tenant: its portal answers 503 until resumed.
    Suspend { slug: String },
    /// Resume a suspended tenant.
    Resume { slug: String },
    /// Delete a tenant: its portal closes at once, its data is purged
    /// after the grace period (`[deletion] grace_days`) unless restored.
    Delete {
        slug: String,
        /// Required: confirms the deletion.
        #[arg(long)]
        yes: bool,
        /// Purge at once: schema, role and files are removed, the slug freed.
        #[arg(long)]
        now: bool,
    },
    /// Restore a deleted tenant before its purge.
    Restore { slug: String },
    /// Purge the deleted tenants whose grace period is over (the server's
    /// job does it on its own).
    Purge,
    /// Write a tenant to one archive: data, files, checksums.
    Export {
        slug: String,
        /// The archive (`-`: standard output); default `<slug>-<date>.tessera.tar`.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Move a tenant's schema to another PostgreSQL server of `[[db.nodes]]`
    /// (or back to `primary`); writes are refused for the copy's duration.
    Move {
        slug: String,
        /// The node's name.
        #[arg(long)]
        to: String,
    },
    /// Create a tenant from an archive, on this database or another.
    Import {
        /// The archive (`-`: standard input).
        file: PathBuf,
        /// Another slug than the archive's.
        #[arg(long)]
        slug: Option<String>,
        /// Leave the archive's custom domains behind.
        #[arg(long)]
        no_custom_domains: bool,
    },
}

pub async fn run(config: Config, command: TenantCommand) -> anyhow::Result<ExitCode> {
    let handle = DatabaseHandle::open(&config).await?;
    if let Err(error) = handle.require_migrated().await {
        handle.close().await?;
        return Err(error);
    }
    let provisioner = Provisioner::new(
        handle.db.platform().clone(),
        config.base_domain.clone(),
        config.platform_host.clone(),
    )
    .with_nodes(Nodes::new(handle.db.other_nodes()));
    let result = execute(&config, &handle.db, &provisioner, command).await;
    handle.close().await?;
    result.map(|()| ExitCode::SUCCESS)
}

async fn execute(
    config: &Config,
    db: &crate::db::Database,
    provisioner: &Provisioner,
    command: TenantCommand,
) -> anyhow::Result<()> {
    let pool = provisioner.pool();
    match command {
        TenantCommand::Create {
            slug,
            name,
            domains,
            admin_email,
            locale,
            theme,
            no_warm_pool,
        } => {
            let themes = load_themes(config)?;
            if !themes.has(&theme) {
                bail!(
                    "unknown theme \"{theme}\" (installed: {})",
                    themes.names().join(", ")
                );
            }
            let new = NewTenant {
                slug: Slug::parse(&slug)?,
                name,
                locale,
                theme,
                brand: Default::default(),
                domains: domains
                    .iter()
                    .map(|d| Hostname::parse(d))
                    .collect::<Result<_, _>>()?,
                admin_email: admin_email.as_deref().map(Email::parse).transpose()?,
            };
            create(config, provisioner, &new, no_warm_pool).await?;
        }
        TenantCommand::List { json, all } => read::list(pool, json, all).await?,
        TenantCommand::Show { slug } => read::show(pool, &Slug::parse(&slug)?).await?,
        TenantCommand::StripeAccount { slug, account } => {
            let tenant = crate::tenancy::registry::find_by_slug(pool, &Slug::parse(&slug)?)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no tenant {slug}"))?;
            let live = config
                .stripe
                .connect_secret_key
                .as_ref()
                .is_some_and(|key| {
                    let key = secrecy::ExposeSecret::expose_secret(key);
                    key.starts_with("sk_live_") || key.starts_with("rk_live_")
                });
            crate::card_payments::connect::link(db, std::sync::Arc::new(tenant), &account, live)
                .await?;
            println!("{slug} takes cards on the connected Stripe account {account}");
        }
        TenantCommand::Apply { dir, prune, yes } => {
            let dir = dir.unwrap_or_else(|| config.tenants_dir.clone());
            apply(config, db, provisioner, &dir, prune_mode(prune, yes)).await?;
        }
        TenantCommand::Suspend { slug } => {
            set_status(provisioner, &slug, TenantStatus::Suspended).await?
        }
        TenantCommand::Resume { slug } => {
            set_status(provisioner, &slug, TenantStatus::Active).await?
        }
        TenantCommand::Delete { slug, yes, now } => {
            portability::delete(config, provisioner, &slug, yes, now).await?
        }
        TenantCommand::Restore { slug } => portability::restore(provisioner, &slug).await?,
        TenantCommand::Purge => portability::purge(config, provisioner).await?,
        TenantCommand::Export { slug, output } => {
            portability::export(config, provisioner, &slug, output).await?
        }
        TenantCommand::Move { slug, to } => {
            portability::relocate(config, provisioner, &slug, &to).await?
        }
        TenantCommand::Import {
            file,
            slug,
            no_custom_domains,
        } => portability::import(config, provisioner, &file, slug, no_custom_domains).await?,
    }
    Ok(())
}

/// What `apply --prune [--yes]` asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prune {
    Keep,
    /// `--prune` alone: show what would be deleted, change nothing.
    Preview,
    Delete,
}

fn prune_mode(prune: bool, yes: bool) -> Prune {
    match (prune, yes) {
        (false, _) => Prune::Keep,
        (true, false) => Prune::Preview,
        (true, true) => Prune::Delete,
    }
}

async fn apply(
    config: &Config,
    db: &crate::db::Database,
    provisioner: &Provisioner,
    dir: &std::path::Path,
    prune: Prune,
) -> anyhow::Result<()> {
    let manifests = manifest::load_dir(dir)?;
    manifest::check(&manifests, &load_themes(config)?)?;
    if prune == Prune::Preview {
        return refuse_unconfirmed_prune(provisioner, &manifests).await;
    }
    let report = manifest::apply(provisioner, &manifests, prune == Prune::Delete, ACTOR).await?;
    let files = manifest::sync_files(db, &manifests).await?;
    for (label, slugs) in [
        ("created", &report.created),
        ("updated", &report.updated),
        ("unchanged", &report.unchanged),
        ("deleted", &report.deleted),
        (
            "not in manifests (kept; --prune deletes)",
            &report.unmanaged,
        ),
        ("templates or static files updated", &files),
    ] {
        if !slugs.is_empty() {
            println!("{label}: {}", slugs.join(", "));
        }
    }
    Ok(())
}

/// `--prune` without `--yes`: names the tenants that would be deleted, and
/// fails so that a script does not mistake it for a completed apply.
async fn refuse_unconfirmed_prune(
    provisioner: &Provisioner,
    manifests: &[(Slug, manifest::Manifest)],
) -> anyhow::Result<()> {
    if manifests.is_empty() {
        return Err(manifest::ManifestError::PruneEverything.into());
    }
    let doomed = manifest::without_manifest(provisioner.pool(), manifests).await?;
    if doomed.is_empty() {
        println!("no tenant would be deleted; nothing was changed");
        return Ok(());
    }
    for slug in &doomed {
        println!("would delete: {slug}");
    }
    bail!(
        "--prune would delete {} tenant(s) with all their data ({}); nothing was changed. \
         Add --yes to confirm",
        doomed.len(),
        doomed.join(", ")
    )
}

async fn create(
    config: &Config,
    provisioner: &Provisioner,
    new: &NewTenant,
    no_warm_pool: bool,
) -> anyhow::Result<()> {
    let provisioner = if no_warm_pool {
        provisioner.clone().without_warm_pool()
    } else {
        provisioner.clone()
    };
    let created = provisioner.create(new, ACTOR).await?;
    println!(
        "created {} (id {}, schema {}) in {:.1?}{}\n  http://{}/",
        new.slug,
        created.tenant_id,
        created.schema,
        created.elapsed,
        if created.from_warm_pool {
            " from the warm pool"
        } else {
            ""
        },
        created.default_host
    );
    if config.warm_pool.size > 0 {
        // Top the pool up for the next creation; the tenant already exists.
        warm_pool::refill(
            provisioner.pool(),
            provisioner.migrations(),
            config.warm_pool.size,
        )
        .await
        .context("tenant created, but refilling the warm pool failed")?;
    }
    Ok(())
}

async fn set_status(
    provisioner: &Provisioner,
    slug: &str,
    status: TenantStatus,
) -> anyhow::Result<()> {
    let changed = provisioner
        .set_status(&Slug::parse(slug)?, status, None, ACTOR)
        .await?;
    if changed {
        println!("{slug} is now {status}");
    } else {
        println!("{slug} was already {status}");
    }
    Ok(())
}
