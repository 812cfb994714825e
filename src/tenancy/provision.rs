//! Creating, changing, suspending and deleting tenants. Every change runs in
//! one transaction with its audit row: on any error nothing is left behind.
//! Caches elsewhere learn of changes through the table triggers' `NOTIFY`.
//! Deletion, restoration and purge are in [`lifecycle`]; the creation of an
//! imported tenant in [`import`].

mod create;
mod import;
mod lifecycle;

pub use import::Created;

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgConnection;
use sqlx::types::Json;
use tokio::sync::Notify;

use super::audit::{self, Actor};
use super::domains::replace_custom_domains;
use super::nodes::Nodes;
use super::{Hostname, Resolver, SchemaName, Slug, TenantStatus};
use crate::db::Platform;
use crate::db::migrate::{MigrateError, MigrationSet};
use crate::model::Branding;
use crate::model::Email;
use crate::model::TenantId;

/// What the operator asks for.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: Slug,
    pub name: String,
    pub locale: String,
    pub theme: String,
    pub brand: Branding,
    /// Custom domains, in addition to the default `<slug>.<base domain>`.
    pub domains: Vec<Hostname>,
    pub admin_email: Option<Email>,
}

impl NewTenant {
    pub fn new(slug: Slug, name: impl Into<String>) -> Self {
        Self {
            slug,
            name: name.into(),
            locale: "fr".into(),
            theme: "default".into(),
            brand: Branding::default(),
            domains: Vec::new(),
            admin_email: None,
        }
    }
}

/// The result of a successful creation.
#[derive(Debug, Clone)]
pub struct Provisioned {
    pub tenant_id: TenantId,
    pub schema: SchemaName,
    pub default_host: Hostname,
    pub from_warm_pool: bool,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("a tenant with the slug \"{0}\" already exists")]
    SlugTaken(String),
    #[error("the domain {0} already belongs to a tenant")]
    DomainTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error("no tenant has the slug \"{0}\"")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Migration(#[from] MigrateError),
}

/// Creates and changes tenants. Shared by the CLI, manifests, the operator
/// console and the benchmarks, so they all measure and do the same thing.
#[derive(Debug, Clone)]
pub struct Provisioner {
    pool: Platform,
    base_domain: Hostname,
    platform_host: Hostname,
    migrations: MigrationSet,
    use_warm_pool: bool,
    /// Told when a spare was taken, so the refiller tops the pool up.
    spare_taken: Option<Arc<Notify>>,
    /// This process's resolver, brought up to date before a change returns.
    resolver: Option<Resolver>,
    /// Other servers a new tenant's schema may go to (least loaded wins).
    nodes: Nodes,
}

impl Provisioner {
    pub fn new(pool: Platform, base_domain: Hostname, platform_host: Hostname) -> Self {
        Self {
            pool,
            base_domain,
            platform_host,
            migrations: MigrationSet::tenant(),
            use_warm_pool: true,
            spare_taken: None,
            resolver: None,
            nodes: Nodes::default(),
        }
    }

    /// Places new tenants on the least loaded of the primary and `nodes`.
    pub fn with_nodes(mut self, nodes: Nodes) -> Self {
        self.nodes = nodes;
        self
    }

    pub fn nodes(&self) -> &Nodes {
        &self.nodes
    }

    /// Makes each change visible to `resolver` before the call returns
    /// (other instances learn of it through the table triggers' `NOTIFY`).
    pub fn reloading(mut self, resolver: Resolver) -> Self {
        self.resolver = Some(resolver);
        self
    }

    async fn reload(&self, tenant_id: TenantId) {
        if let Some(resolver) = &self.resolver {
            resolver.reload_tenant(tenant_id).await;
        }
    }

    /// Wakes `refiller` whenever a creation takes a spare.
    pub fn notify_spare_taken(mut self, refiller: Arc<Notify>) -> Self {
        self.spare_taken = Some(refiller);
        self
    }

    /// Turns the warm pool off (to measure the fallback path).
    pub fn without_warm_pool(mut self) -> Self {
        self.use_warm_pool = false;
        self
    }

    pub fn pool(&self) -> &Platform {
        &self.pool
    }

    pub fn migrations(&self) -> &MigrationSet {
        &self.migrations
    }

    pub fn default_host(&self, slug: &Slug) -> Result<Hostname, ProvisionError> {
        Hostname::parse(&format!("{slug}.{}", self.base_domain))
            .map_err(|e| ProvisionError::Invalid(format!("default host for {slug}: {e}")))
    }

    /// Updates name, locale, theme, branding and the set of custom domains.
    /// Returns false when nothing differed.
    pub async fn update(
        &self,
        change: &NewTenant,
        actor: impl Into<Actor>,
    ) -> Result<bool, ProvisionError> {
        let actor = actor.into();
        validate_fields(&change.name, &change.locale, &change.theme)?;
        change
            .brand
            .validate()
            .map_err(|e| ProvisionError::Invalid(e.to_string()))?;
        self.check_custom_domains(&change.domains)?;
        let mut tx = self.pool.begin().await?;
        let tenant_id = lock_tenant(&mut tx, &change.slug).await?;
        let updated = sqlx::query!(
            "UPDATE platform.tenants
             SET name = $2, locale = $3, theme = $4, brand = $5, updated_at = now()
             WHERE id = $1 AND (name, locale, theme, brand) IS DISTINCT FROM ($2, $3, $4, $5)",
            tenant_id.get(),
            change.name,
            change.locale,
            change.theme,
            Json(&change.brand) as _
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        let domains_changed = replace_custom_domains(&mut tx, tenant_id, &change.domains).await?;
        if !(updated || domains_changed) {
            return Ok(false);
        }
        let details = serde_json::json!({ "slug": change.slug, "domains": change.domains });
        audit::record(&mut tx, &actor, "tenant.update", Some(tenant_id), details).await?;
        tx.commit().await?;
        self.reload(tenant_id).await;
        Ok(true)
    }

    /// Suspends (with the reason shown to visitors, if any) or resumes a
    /// tenant. Returns false if it already had that status and reason.
    pub async fn set_status(
        &self,
        slug: &Slug,
        status: TenantStatus,
        reason: Option<&str>,
        actor: impl Into<Actor>,
    ) -> Result<bool, ProvisionError> {
        let actor = actor.into();
        let reason = match status {
            TenantStatus::Suspended => reason.map(str::trim).filter(|r| !r.is_empty()),
            TenantStatus::Active => None,
            TenantStatus::Deleted => {
                return Err(ProvisionError::Invalid(
                    "a tenant is deleted with `delete`, not by its status".into(),
                ));
            }
        };
        if reason.is_some_and(|r| r.chars().count() > 500) {
            return Err(ProvisionError::Invalid(
                "the reason has at most 500 characters".into(),
            ));
        }
        let mut tx = self.pool.begin().await?;
        let tenant_id = lock_tenant(&mut tx, slug).await?;
        lifecycle::refuse_deleted(&mut tx, tenant_id, slug).await?;
        let changed = sqlx::query!(
            "UPDATE platform.tenants SET status = $2, status_reason = $3, updated_at = now()
             WHERE id = $1 AND (status, status_reason) IS DISTINCT FROM ($2, $3)",
            tenant_id.get(),
            status.as_str(),
            reason
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !changed {
            return Ok(false);
        }
        let action = format!("tenant.{}", status.as_str());
        let details = serde_json::json!({ "slug": slug, "reason": reason });
        audit::record(&mut tx, &actor, &action, Some(tenant_id), details).await?;
        tx.commit().await?;
        self.reload(tenant_id).await;
        Ok(true)
    }

    /// Custom domains may not be the platform host nor sit under the base
    /// domain, where they would shadow another tenant's default host.
    fn check_custom_domains(&self, domains: &[Hostname]) -> Result<(), ProvisionError> {
        for domain in domains {
            if *domain == self.platform_host {
                return Err(ProvisionError::Invalid(format!(
                    "{domain} is the platform's own host"
                )));
            }
            if domain.is_within(&self.base_domain) {
                return Err(ProvisionError::Invalid(format!(
                    "{domain} is under {}: every tenant already has <slug>.{} as its default host",
                    self.base_domain, self.base_domain
                )));
            }
        }
        Ok(())
    }
}

fn validate_fields(name: &str, locale: &str, theme: &str) -> Result<(), ProvisionError> {
    let name_len = name.trim().chars().count();
    if name_len == 0 || name_len > 200 || name.trim() != name {
        return Err(ProvisionError::Invalid(
            "the name must be 1 to 200 characters, without surrounding spaces".into(),
        ));
    }
    if !crate::model::locale::is_supported_locale(locale) {
        return Err(ProvisionError::Invalid(format!(
            "unsupported locale \"{locale}\" (supported: {})",
            crate::model::locale::SUPPORTED_LOCALES.join(", ")
        )));
    }
    let theme_ok = !theme.is_empty()
        && theme.len() <= 40
        && theme
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !theme_ok {
        return Err(ProvisionError::Invalid(format!(
            "\"{theme}\" is not a theme name"
        )));
    }
    Ok(())
}

async fn insert_tenant(
    conn: &mut PgConnection,
    new: &NewTenant,
) -> Result<TenantId, ProvisionError> {
    sqlx::query_scalar!(
        "INSERT INTO platform.tenants (slug, name, locale, theme, brand)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
        new.slug.as_str(),
        new.name,
        new.locale,
        new.theme,
        Json(&new.brand) as _
    )
    .fetch_one(conn)
    .await
    .map(TenantId::new)
    .map_err(|e| match super::domains::unique_violation(&e) {
        Some("tenants_slug_key") => ProvisionError::SlugTaken(new.slug.to_string()),
        _ => e.into(),
    })
}

async fn lock_tenant(conn: &mut PgConnection, slug: &Slug) -> Result<TenantId, ProvisionError> {
    sqlx::query_scalar!(
        "SELECT id FROM platform.tenants WHERE slug = $1 FOR UPDATE",
        slug.as_str()
    )
    .fetch_optional(conn)
    .await?
    .map(TenantId::new)
    .ok_or_else(|| ProvisionError::NotFound(slug.to_string()))
}
