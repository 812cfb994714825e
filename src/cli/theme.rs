//! `tessera theme list|check|preview`, and the hidden `render-worker`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::bail;
use clap::Subcommand;

use super::DatabaseHandle;
use crate::app::load_themes;
use crate::config::Config;
use crate::db::TenantTx;
use crate::portal;
use crate::tenancy::{Slug, registry};
use crate::themes::{PageView, Themes, preview};

#[derive(Debug, Subcommand)]
pub enum ThemeCommand {
    /// List the installed themes.
    List,
    /// Render a tenant's pages with its own templates and report any error.
    Check {
        #[arg(long)]
        tenant: String,
    },
    /// Write a tenant's pages, with its current branding, as static HTML.
    Preview {
        #[arg(long)]
        tenant: String,
        /// Output folder (default: target/theme-preview/<slug>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(config: Config, command: ThemeCommand) -> anyhow::Result<ExitCode> {
    let themes = load_themes(&config)?;
    if let ThemeCommand::List = command {
        for name in themes.names() {
            let env = themes.env(&name);
            println!("{name:<12} {}", env.chain.join(" → "));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let handle = DatabaseHandle::open(&config).await?;
    handle.require_migrated().await?;
    let result = with_tenant(&handle, &themes, command).await;
    handle.close().await?;
    result
}

async fn with_tenant(
    handle: &DatabaseHandle,
    themes: &Themes,
    command: ThemeCommand,
) -> anyhow::Result<ExitCode> {
    let slug = match &command {
        ThemeCommand::Check { tenant } | ThemeCommand::Preview { tenant, .. } => {
            Slug::parse(tenant)?
        }
        ThemeCommand::List => return Ok(ExitCode::SUCCESS),
    };
    let Some(tenant) = registry::find_by_slug(handle.db.platform(), &slug).await? else {
        bail!("no tenant has the slug {slug}");
    };
    let tenant = Arc::new(tenant);
    // `check` writes into a fresh private folder (created atomically with an
    // unpredictable name, so no other user can plant a link there), removed
    // when `scratch` is dropped, even on an error.
    let (out, scratch) = match command {
        ThemeCommand::Preview { out, .. } => (
            out.unwrap_or_else(|| PathBuf::from("target/theme-preview").join(slug.as_str())),
            None,
        ),
        _ => {
            let scratch = tempfile::Builder::new()
                .prefix("tessera-check-")
                .tempdir()?;
            (scratch.path().to_owned(), Some(scratch))
        }
    };
    let mut tx = TenantTx::lazy(&handle.db, tenant.clone());
    let home = portal::home_page(&mut tx).await?;
    let pages = preview::write(themes, &tx, &home, &out).await?;
    tx.commit().await?;
    let mut failed = false;
    for page in &pages {
        match &page.error {
            None => println!("ok      {}", page.file.display()),
            Some(error) => {
                failed = true;
                println!("FAILED  {}\n{error}\n", page.file.display());
            }
        }
    }
    if scratch.is_none() {
        println!(
            "\nopen {}",
            out.join(format!(
                "home.{}.html",
                PageView::detached(tenant, "/").locale
            ))
            .display()
        );
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
