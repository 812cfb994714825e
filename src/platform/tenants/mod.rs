//! Tenants as operators see and change them, shared by the console pages
//! and the white-label API: listing with members and activity, one
//! tenant's details, creation (the same provisioning as the command line,
//! plus the first administrator's invitation), changes, suspension with a
//! reason, and deletion (soft, restorable until the purge).

pub mod list;
pub mod stats;
pub mod totals;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::staff::actions::{self, Invitee, LinkBase};
use crate::auth::Role;
use crate::config::HttpConfig;
use crate::db::{Database, Platform, TenantTx};
use crate::error::AppError;
use crate::model::{Branding, Email, Hostname, Slug, TenantStatus};
use crate::tenancy::audit::Actor;
use crate::tenancy::provision::{NewTenant, ProvisionError, Provisioner};
use crate::tenancy::registry;
use crate::themes::Themes;

pub use list::{ListFilter, TenantLine, TenantPage};

/// The operators' view of tenants. Cheap to clone.
#[derive(Clone)]
pub struct Tenants {
    pool: Platform,
    db: Database,
    provisioner: Provisioner,
    themes: Themes,
    http: Arc<HttpConfig>,
    totals: totals::TotalsCache,
}

/// What creating or changing a tenant takes (console form or API body).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantBody {
    /// 3 to 40 characters: lowercase letters, digits, single hyphens.
    pub slug: String,
    pub name: String,
    /// `fr` (default) or `en`.
    #[serde(default = "default_locale")]
    pub locale: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Colours, fonts and links; see the branding guide.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub brand: Branding,
    /// Custom domains (routed at once: operators vouch for them).
    #[serde(default)]
    pub domains: Vec<String>,
    /// The first administrator, invited by mail.
    #[serde(default)]
    pub admin_email: Option<String>,
}

fn default_locale() -> String {
    "fr".into()
}

fn default_theme() -> String {
    "default".into()
}

/// A created tenant.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
    pub slug: String,
    pub default_host: String,
    /// The first administrator's invitation link (also mailed to them).
    pub admin_invitation_link: Option<String>,
    pub from_warm_pool: bool,
    pub elapsed_ms: u64,
}

/// A provisioning refusal as the client should see it.
pub fn refusal(error: ProvisionError) -> AppError {
    match error {
        ProvisionError::SlugTaken(_) | ProvisionError::DomainTaken(_) => {
            AppError::Conflict(error.to_string().into())
        }
        ProvisionError::Invalid(_) => AppError::Unprocessable(error.to_string().into()),
        ProvisionError::NotFound(_) => AppError::NotFound,
        ProvisionError::Database(error) => AppError::Database(error),
        ProvisionError::Migration(error) => AppError::Internal(error.to_string().into()),
    }
}

fn invalid(error: impl std::fmt::Display) -> AppError {
    AppError::Unprocessable(error.to_string().into())
}

impl Tenants {
    pub fn new(db: Database, provisioner: Provisioner, themes: Themes, http: HttpConfig) -> Self {
        Self {
            pool: db.platform().clone(),
            db,
            provisioner,
            themes,
            http: Arc::new(http),
            totals: totals::TotalsCache::default(),
        }
    }

    /// The themes a tenant may use.
    pub fn theme_names(&self) -> Vec<String> {
        self.themes.names()
    }

    pub fn parse(&self, body: &TenantBody) -> Result<NewTenant, AppError> {
        if !self.themes.has(&body.theme) {
            return Err(invalid(format!(
                "unknown theme \"{}\" (installed: {})",
                body.theme,
                self.themes.names().join(", ")
            )));
        }
        let domains = body
            .domains
            .iter()
            .map(|d| Hostname::parse(d))
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let admin_email = match body.admin_email.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(email) => Some(Email::parse(email).map_err(invalid)?),
        };
        Ok(NewTenant {
            slug: Slug::parse(body.slug.trim()).map_err(invalid)?,
            name: body.name.trim().to_owned(),
            locale: body.locale.clone(),
            theme: body.theme.clone(),
            brand: body.brand.clone(),
            domains,
            admin_email,
        })
    }

    /// Provisions the tenant, then invites its first administrator in the
    /// new schema (a failed invitation leaves the tenant, reported).
    pub async fn create(&self, body: &TenantBody, actor: &Actor) -> Result<Created, AppError> {
        let new = self.parse(body)?;
        let provisioned = self
            .provisioner
            .create(&new, actor)
            .await
            .map_err(refusal)?;
        let link = match &new.admin_email {
            Some(email) => Some(self.invite_admin(provisioned.tenant_id, email).await?),
            None => None,
        };
        Ok(Created {
            id: provisioned.tenant_id.get(),
            slug: new.slug.to_string(),
            default_host: provisioned.default_host.to_string(),
            admin_invitation_link: link,
            from_warm_pool: provisioned.from_warm_pool,
            elapsed_ms: provisioned.elapsed.as_millis() as u64,
        })
    }

    /// Invites `email` as an administrator of the tenant (its invitation
    /// link is returned and mailed).
    pub async fn invite_admin(
        &self,
        tenant_id: crate::model::TenantId,
        email: &Email,
    ) -> Result<String, AppError> {
        let tenant = registry::find_by_id(&self.pool, tenant_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let base = LinkBase::configured(&self.http, tenant.default_host.as_str());
        let mut tx = TenantTx::begin(&self.db, Arc::new(tenant)).await?;
        // Named after the address until they choose a name.
        let name = email.as_str().split('@').next().unwrap_or_default();
        let invitee = Invitee {
            email: email.clone(),
            name: name.chars().take(120).collect(),
            role: Role::Admin,
        };
        let invited = actions::invite(&mut tx, actions::Actor::CLI, &invitee, "", &base).await;
        let (_, link) = invited.map_err(|e| AppError::Internal(e.to_string().into()))?;
        tx.commit().await?;
        Ok(link)
    }

    /// Changes name, locale, theme, branding and custom domains; `false`
    /// when nothing differed.
    pub async fn update(&self, body: &TenantBody, actor: &Actor) -> Result<bool, AppError> {
        let change = self.parse(body)?;
        self.provisioner
            .update(&change, actor)
            .await
            .map_err(refusal)
    }

    /// The tenant's current fields, as a body to change.
    pub async fn current(&self, slug: &str) -> Result<TenantBody, AppError> {
        let slug = Slug::from_db(slug).map_err(|_| AppError::NotFound)?;
        let tenant = registry::find_by_slug(&self.pool, &slug)
            .await?
            .ok_or(AppError::NotFound)?;
        let domains = registry::custom_domains(&self.pool, tenant.id).await?;
        Ok(TenantBody {
            slug: tenant.slug.to_string(),
            name: tenant.name,
            locale: tenant.locale,
            theme: tenant.theme,
            brand: tenant.brand,
            domains,
            admin_email: None,
        })
    }

    pub async fn set_status(
        &self,
        slug: &str,
        status: TenantStatus,
        reason: Option<&str>,
        actor: &Actor,
    ) -> Result<bool, AppError> {
        let slug = Slug::from_db(slug).map_err(|_| AppError::NotFound)?;
        self.provisioner
            .set_status(&slug, status, reason, actor)
            .await
            .map_err(refusal)
    }

    /// Marks the tenant deleted (its purge follows after the grace
    /// period); `false` when it already was.
    pub async fn delete(&self, slug: &str, actor: &Actor) -> Result<bool, AppError> {
        let slug = Slug::from_db(slug).map_err(|_| AppError::NotFound)?;
        self.provisioner.delete(&slug, actor).await.map_err(refusal)
    }

    /// Brings a deleted tenant back before its purge; `false` when it was
    /// not deleted.
    pub async fn restore(&self, slug: &str, actor: &Actor) -> Result<bool, AppError> {
        let slug = Slug::from_db(slug).map_err(|_| AppError::NotFound)?;
        self.provisioner
            .restore(&slug, actor)
            .await
            .map_err(refusal)
    }
}
