//! [`Domains`]: what tenant administrators, operators, the API, the CLI and
//! the re-check job do with custom domains, each change in one platform
//! transaction with its audit entry, then made visible to this instance's
//! resolver (others follow through the tables' `NOTIFY`). Checks are in
//! [`super::checking`].

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::dns::{self, Dns};
use crate::auth::Keys;
use crate::config::DomainsConfig;
use crate::db::Platform;
use crate::error::AppError;
use crate::model::{Hostname, Slug, TenantId};
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::claims::{self, Claim, ClaimError};
use crate::tenancy::{Resolver, registry};
use crate::tls::store::CertificateInfo;
use crate::web::challenge;

/// How long a check may hold a claim before another instance may retry it.

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Claim(#[from] ClaimError),
}

impl From<sqlx::Error> for DomainError {
    fn from(error: sqlx::Error) -> Self {
        Self::Claim(ClaimError::Database(error))
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Invalid(why) => AppError::Unprocessable(why.into()),
            DomainError::Claim(ClaimError::Database(e)) => AppError::Database(e),
            DomainError::Claim(ClaimError::NotFound) => AppError::NotFound,
            DomainError::Claim(e @ ClaimError::Limit(_)) => {
                AppError::Unprocessable(e.to_string().into())
            }
            DomainError::Claim(e) => AppError::Conflict(e.to_string().into()),
        }
    }
}

/// An `A` or `AAAA` record to create.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AddressRecord {
    /// `A` or `AAAA`.
    pub kind: &'static str,
    pub value: String,
}

/// The DNS records a customer creates, as shown on pages and in the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Instructions {
    /// `_tessera-challenge.<host>`
    pub txt_name: String,
    /// `tessera-verify=<token>`
    pub txt_value: String,
    /// Point the host here with a CNAME (subdomains)…
    pub cname_target: Option<String>,
    /// …or with these A / AAAA records (apex domains).
    pub addresses: Vec<AddressRecord>,
    /// The HTTP-token alternative: this URL must reach Tessera.
    pub http_url: String,
}

#[derive(Clone)]
pub struct Domains {
    pub(super) platform: Platform,
    pub(super) dns: Option<Dns>,
    pub(super) keys: Keys,
    pub(super) config: Arc<DomainsConfig>,
    reserved: [Hostname; 2],
    /// This process's resolver, brought up to date after each change
    /// (none in the CLI: the servers learn of it through `NOTIFY`).
    pub(super) resolver: Option<Resolver>,
}

impl Domains {
    /// `reserved`: the platform host and the base domain, never claimable
    /// (nor anything under them).
    pub fn new(
        platform: Platform,
        keys: Keys,
        config: DomainsConfig,
        reserved: [Hostname; 2],
    ) -> Self {
        let dns = Dns::new(&config)
            .inspect_err(
                |error| tracing::warn!(%error, "no DNS resolver: domains cannot be verified"),
            )
            .ok();
        Self {
            platform,
            dns,
            keys,
            config: Arc::new(config),
            reserved,
            resolver: None,
        }
    }

    pub fn reloading(mut self, resolver: Resolver) -> Self {
        self.resolver = Some(resolver);
        self
    }

    pub(super) async fn reload(&self, tenant: TenantId) {
        if let Some(resolver) = &self.resolver {
            resolver.reload_tenant(tenant).await;
        }
    }

    pub fn config(&self) -> &DomainsConfig {
        &self.config
    }

    /// A hostname a tenant may claim, or why not.
    pub fn parse_host(&self, raw: &str) -> Result<Hostname, DomainError> {
        let host = Hostname::parse(raw.trim())
            .map_err(|e| DomainError::Invalid(format!("not a domain name: {e}")))?;
        let name = host.as_str();
        let labels: Vec<&str> = name.split('.').collect();
        if labels.len() < 2
            || labels.iter().any(|l| l.starts_with('_'))
            || name.parse::<std::net::IpAddr>().is_ok()
        {
            return Err(DomainError::Invalid(
                "a domain such as portail.mon-asso.fr".into(),
            ));
        }
        let platform_owned = self
            .reserved
            .iter()
            .any(|r| name == r.as_str() || name.ends_with(&format!(".{r}")));
        if platform_owned {
            return Err(DomainError::Invalid(
                "this domain belongs to the platform".into(),
            ));
        }
        Ok(host)
    }

    /// The tenant with this slug (the platform API and the console name
    /// tenants by slug).
    pub async fn tenant_id(&self, slug: &str) -> Result<TenantId, DomainError> {
        let slug = Slug::parse(slug).map_err(|_| DomainError::Claim(ClaimError::NotFound))?;
        let tenant = registry::find_by_slug(&self.platform, &slug).await?;
        tenant
            .map(|t| t.id)
            .ok_or(DomainError::Claim(ClaimError::NotFound))
    }

    /// A domain an operator vouches for: verified and routed at once.
    pub async fn vouch(
        &self,
        tenant: TenantId,
        raw: &str,
        actor: &Actor,
    ) -> Result<Claim, DomainError> {
        let host = self.parse_host(raw)?;
        let mut tx = self.platform.begin().await?;
        claims::assert_by_operator(&mut tx, tenant, &host).await?;
        let details = serde_json::json!({ "host": host.as_str(), "vouched": true });
        audit::record(&mut tx, actor, "domain.add", Some(tenant), details).await?;
        let claim = claims::find(&mut tx, tenant, &host).await?;
        tx.commit().await?;
        self.reload(tenant).await;
        claim.ok_or(DomainError::Claim(ClaimError::NotFound))
    }

    pub async fn list(&self, tenant: TenantId) -> Result<Vec<Claim>, sqlx::Error> {
        let mut conn = self.platform.acquire().await?;
        claims::list(&mut conn, tenant).await
    }

    /// The certificates of these names, by name. Only a verified claim's
    /// name is the tenant's own: callers ask for those alone.
    pub async fn certificates(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, CertificateInfo>, sqlx::Error> {
        crate::tls::operators::of_names(&self.platform, names).await
    }

    pub async fn find(&self, tenant: TenantId, raw: &str) -> Result<Claim, DomainError> {
        let host = self.parse_host(raw)?;
        let mut conn = self.platform.acquire().await?;
        let claim = claims::find(&mut conn, tenant, &host).await?;
        claim.ok_or(DomainError::Claim(ClaimError::NotFound))
    }

    pub fn instructions(&self, claim: &Claim) -> Instructions {
        let record = |kind, value: String| AddressRecord { kind, value };
        let v4 = self.config.ipv4.iter().map(|a| record("A", a.to_string()));
        let v6 = self
            .config
            .ipv6
            .iter()
            .map(|a| record("AAAA", a.to_string()));
        let addresses = v4.chain(v6).collect();
        Instructions {
            txt_name: format!("{}.{}", dns::CHALLENGE_LABEL, claim.hostname),
            txt_value: dns::txt_value(&claim.token),
            cname_target: self.config.cname_target.as_ref().map(ToString::to_string),
            addresses,
            http_url: format!(
                "http://{}{}{}",
                claim.hostname,
                challenge::PATH_PREFIX,
                claim.token
            ),
        }
    }

    /// Starts a claim; it is checked within a minute, or now on request.
    pub async fn add(
        &self,
        tenant: TenantId,
        raw: &str,
        actor: &Actor,
    ) -> Result<Claim, DomainError> {
        let host = self.parse_host(raw)?;
        let mut tx = self.platform.begin().await?;
        let claim = claims::add(&mut tx, tenant, &host, self.config.max_per_tenant).await?;
        let details = serde_json::json!({ "host": host.as_str() });
        audit::record(&mut tx, actor, "domain.add", Some(tenant), details).await?;
        tx.commit().await?;
        Ok(claim)
    }

    pub async fn remove(
        &self,
        tenant: TenantId,
        raw: &str,
        actor: &Actor,
    ) -> Result<(), DomainError> {
        let host = self.parse_host(raw)?;
        let mut tx = self.platform.begin().await?;
        if !claims::remove(&mut tx, tenant, &host).await? {
            return Err(ClaimError::NotFound.into());
        }
        let details = serde_json::json!({ "host": host.as_str() });
        audit::record(&mut tx, actor, "domain.remove", Some(tenant), details).await?;
        tx.commit().await?;
        self.reload(tenant).await;
        Ok(())
    }

    /// `None` makes the default host canonical again.
    pub async fn set_primary(
        &self,
        tenant: TenantId,
        raw: Option<&str>,
        actor: &Actor,
    ) -> Result<(), DomainError> {
        let host = raw.map(|raw| self.parse_host(raw)).transpose()?;
        let mut tx = self.platform.begin().await?;
        claims::set_primary(&mut tx, tenant, host.as_ref()).await?;
        let details = serde_json::json!({ "host": host.as_ref().map(Hostname::as_str) });
        audit::record(&mut tx, actor, "domain.primary", Some(tenant), details).await?;
        tx.commit().await?;
        self.reload(tenant).await;
        Ok(())
    }

    /// Checks the claim at once ("check now", `verify` in the API and CLI).
    pub async fn check_now(
        &self,
        tenant: TenantId,
        raw: &str,
        actor: &Actor,
    ) -> Result<Claim, DomainError> {
        let claim = self.find(tenant, raw).await?;
        self.check(&claim, actor).await?;
        self.find(tenant, raw).await
    }
}
