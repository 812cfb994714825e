//! `tessera tenant export|import|move|delete|restore|purge`: moving a tenant
//! between databases or nodes, and its deletion in two steps (marked deleted, then
//! purged after the grace period, or at once with `--now`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use tokio::io::AsyncWriteExt;

use crate::app::load_themes;
use crate::config::Config;
use crate::portability::{ImportOptions, Portability};
use crate::storage::Storage;
use crate::tenancy::Slug;
use crate::tenancy::audit::Actor;
use crate::tenancy::provision::Provisioner;

fn portability(
    config: &Config,
    provisioner: &Provisioner,
    themes: Vec<String>,
) -> anyhow::Result<Portability> {
    let storage = Storage::from_config(&config.storage, &config.storage_dir())?;
    Ok(Portability::new(provisioner.clone(), storage, themes))
}

/// Moves the tenant's schema to node `to` and says what was copied.
pub async fn relocate(
    config: &Config,
    provisioner: &Provisioner,
    slug: &str,
    to: &str,
) -> anyhow::Result<()> {
    let slug = Slug::parse(slug)?;
    let portability = portability(config, provisioner, Vec::new())?;
    let moved = portability
        .move_tenant(&slug, to, &Actor::from("cli"))
        .await?;
    println!(
        "moved {} from {} to {}: {} tables, {} rows, checksums equal; writes paused {} ms",
        moved.slug, moved.from, moved.to, moved.tables, moved.rows, moved.read_only_ms
    );
    if let Some(error) = moved.left_behind {
        eprintln!(
            "warning: schema t_{} was left on {} ({error}); drop it there by hand",
            moved.tenant_id, moved.from
        );
    }
    Ok(())
}

/// Writes the archive to `output` (`-`: standard output; default
/// `<slug>-<date>.tessera.tar`), readable by its owner only.
pub async fn export(
    config: &Config,
    provisioner: &Provisioner,
    slug: &str,
    output: Option<PathBuf>,
) -> anyhow::Result<()> {
    let slug = Slug::parse(slug)?;
    let portability = portability(config, provisioner, Vec::new())?;
    let actor = Actor::from("cli");
    if output.as_deref() == Some(Path::new("-")) {
        let (mut out, exported) = portability
            .export(&slug, tokio::io::stdout(), &actor)
            .await?;
        out.flush().await?;
        eprintln!(
            "exported {} ({} bytes, sha256 {})",
            slug, exported.bytes, exported.sha256
        );
        return Ok(());
    }
    let path = output.unwrap_or_else(|| {
        let date = chrono::Utc::now().format("%Y%m%d-%H%M%S");
        PathBuf::from(format!("{slug}-{date}.tessera.tar"))
    });
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .await
        .with_context(|| format!("cannot create {}", path.display()))?;
    let result = portability.export(&slug, file, &actor).await;
    let exported = match result {
        Ok((file, exported)) => {
            file.sync_all().await?;
            exported
        }
        Err(error) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(error.into());
        }
    };
    println!(
        "exported {slug} to {}: {} tables, {} rows, {} files, {} bytes\n  sha256 {}",
        path.display(),
        exported.tables,
        exported.rows,
        exported.files,
        exported.bytes,
        exported.sha256
    );
    Ok(())
}

/// Reads the archive from `file` (`-`: standard input).
pub async fn import(
    config: &Config,
    provisioner: &Provisioner,
    file: &Path,
    slug: Option<String>,
    without_custom_domains: bool,
) -> anyhow::Result<()> {
    let themes = load_themes(config)?.names();
    let portability = portability(config, provisioner, themes)?;
    let options = ImportOptions {
        slug: slug.as_deref().map(Slug::parse).transpose()?,
        without_custom_domains,
    };
    let actor = Actor::from("cli");
    let imported = if file == Path::new("-") {
        portability
            .import(tokio::io::stdin(), &options, &actor)
            .await?
    } else {
        let input = tokio::fs::File::open(file)
            .await
            .with_context(|| format!("cannot open {}", file.display()))?;
        let input = tokio::io::BufReader::with_capacity(1 << 20, input);
        portability.import(input, &options, &actor).await?
    };
    println!(
        "imported {} (id {}): {} tables, {} rows, {} files\n  http://{}/",
        imported.slug,
        imported.tenant_id,
        imported.tables,
        imported.rows,
        imported.files,
        imported.default_host
    );
    Ok(())
}

pub async fn delete(
    config: &Config,
    provisioner: &Provisioner,
    slug: &str,
    yes: bool,
    now: bool,
) -> anyhow::Result<()> {
    if !yes {
        bail!(
            "deleting {slug} closes its portal and later removes all its data; add --yes to confirm"
        );
    }
    let parsed = Slug::parse(slug)?;
    let actor = Actor::from("cli");
    if now {
        portability(config, provisioner, Vec::new())?
            .purge_now(&parsed, &actor)
            .await?;
        println!("deleted and purged {slug}: its schema, role and files are gone");
        return Ok(());
    }
    provisioner.delete(&parsed, actor).await?;
    println!(
        "deleted {slug}: its portal answers 410; it is purged in {} day(s) unless restored \
         (tessera tenant restore {slug})",
        config.deletion.grace_days
    );
    Ok(())
}

pub async fn restore(provisioner: &Provisioner, slug: &str) -> anyhow::Result<()> {
    match provisioner.restore(&Slug::parse(slug)?, "cli").await? {
        true => println!("{slug} is restored and active"),
        false => println!("{slug} was not deleted; nothing changed"),
    }
    Ok(())
}

pub async fn purge(config: &Config, provisioner: &Provisioner) -> anyhow::Result<()> {
    let purged = portability(config, provisioner, Vec::new())?
        .purge_due(config.deletion.grace())
        .await?;
    println!("{purged} deleted tenant(s) purged");
    Ok(())
}
