//! `tessera tenant list|show`: what the registry says of tenants, read only.

use anyhow::bail;

use crate::db::Platform;
use crate::tenancy::{Slug, registry};

pub async fn list(pool: &Platform, json: bool, all: bool) -> anyhow::Result<()> {
    let mut tenants = registry::list(pool).await?;
    tenants.retain(|t| all || t.status != "deleted");
    if json {
        println!("{}", serde_json::to_string_pretty(&tenants)?);
        return Ok(());
    }
    println!(
        "{:<6} {:<28} {:<10} {:<8} {:<10} HOSTS",
        "ID", "SLUG", "STATUS", "SCHEMA", "NODE"
    );
    for t in &tenants {
        let schema = match (&t.schema_status, t.schema_version) {
            (Some(status), Some(version)) if status == "ready" => format!("v{version}"),
            (Some(status), _) => status.clone(),
            _ => "-".into(),
        };
        println!(
            "{:<6} {:<28} {:<10} {:<8} {:<10} {}",
            t.id,
            t.slug,
            t.status,
            schema,
            t.node,
            t.hosts.join(" ")
        );
    }
    println!("{} tenant(s)", tenants.len());
    Ok(())
}

pub async fn show(pool: &Platform, slug: &Slug) -> anyhow::Result<()> {
    let Some(tenant) = registry::find_by_slug(pool, slug).await? else {
        bail!("no tenant has the slug {slug}");
    };
    let domains = registry::custom_domains(pool, tenant.id).await?;
    let schema = registry::schema_info(pool, tenant.id).await?;
    println!("{} ({})", tenant.name, tenant.slug);
    println!("  id:       {}", tenant.id);
    println!("  status:   {}", tenant.status);
    println!("  locale:   {}", tenant.locale);
    println!("  theme:    {}", tenant.theme);
    println!("  host:     {}", tenant.default_host);
    println!(
        "  node:     {}",
        tenant.node.as_deref().unwrap_or("primary")
    );
    for domain in domains {
        println!("  domain:   {domain}");
    }
    if let Some(schema) = schema {
        println!(
            "  schema:   {} v{} ({})",
            schema.schema_name, schema.version, schema.status
        );
        if let Some(error) = schema.last_error {
            println!("  error:    {error}");
        }
    }
    println!("  brand:    {}", serde_json::to_string(&tenant.brand)?);
    Ok(())
}
