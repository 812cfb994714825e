//! HTTPS: the TLS listener and the certificates it serves. Certificates
//! come from files (the platform host, a wildcard for the base domain),
//! from ACME for verified custom domains (stored sealed in `platform`,
//! shared by every instance through `NOTIFY tessera_certs`), or, in the
//! demo, from a local CA. Which names may have one is decided from memory
//! (the host map): a handshake never waits on an outside check, and an
//! unknown name never causes an order.

mod accounts;
pub mod acme;
mod alert;
pub mod certs;
pub mod challenge;
pub mod issuer;
mod limiter;
pub mod listener;
pub mod local_ca;
pub mod operators;
mod policy;
pub mod sealed;
pub mod store;
mod watch;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::sign::CertifiedKey;

pub use certs::{Certificates, Served, Source};
pub use issuer::Issuer;
pub use listener::HttpsListener;
pub use local_ca::LocalCa;
pub use sealed::Sealer;

use crate::config::Config;
use crate::db::Platform;
use crate::model::Hostname;
use crate::tenancy::Resolver;

/// Put in the extensions of every request that came over our TLS listener.
#[derive(Debug, Clone, Copy)]
pub struct OverTls;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("a sealed private key cannot be opened (wrong tls.storage_key?)")]
    Sealing,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The one crypto provider of our TLS (server, ACME client, local CA):
/// named explicitly, so that no process-wide default is needed.
pub fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .clone()
}

/// What calls out to the web (Web Push, webhooks, Stripe) trust: the web's
/// roots as Mozilla lists them, built in (no dependency on the machine).
pub fn web_client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// HTTPS for this instance; cheap to clone.
#[derive(Clone)]
pub struct Tls {
    inner: Arc<Inner>,
}

struct Inner {
    config: crate::config::TlsConfig,
    certs: Certificates,
    resolver: Resolver,
    pool: Platform,
    /// Set when certificates are stored or loaded (HTTPS or ACME on).
    sealer: Option<Sealer>,
    issuer: Option<Issuer>,
    local_ca: Option<LocalCa>,
    unknown: limiter::UnknownNames,
    platform_host: Hostname,
    base_domain: Hostname,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("certificates", &self.inner.certs.len())
            .field("acme", &self.inner.issuer.is_some())
            .finish()
    }
}

impl Tls {
    /// HTTPS as `config` sets it up; nothing is loaded yet ([`Tls::load`]).
    pub fn new(config: &Config, pool: Platform, resolver: Resolver) -> Result<Self, TlsError> {
        let tls = &config.tls;
        let wanted = tls.https_port.is_some() || tls.acme.directory.is_some();
        let sealer = match wanted {
            true => Some(Sealer::from_config(tls, &config.data_dir)?),
            false => None,
        };
        let certs = Certificates::default();
        let issuer = match (acme::AcmeClient::new(&tls.acme)?, &sealer) {
            (Some(client), Some(sealer)) => Some(Issuer::new(
                pool.clone(),
                sealer.clone(),
                certs.clone(),
                client,
                tls.acme.clone(),
            )),
            _ => None,
        };
        let local_ca = match tls.local_ca && tls.https_port.is_some() {
            true => {
                let zones = [
                    config.platform_host.to_string(),
                    config.base_domain.to_string(),
                ];
                Some(LocalCa::load_or_create(&tls.local_ca_dir, &zones)?.0)
            }
            false => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                config: tls.clone(),
                certs,
                resolver,
                pool,
                sealer,
                issuer,
                local_ca,
                unknown: limiter::UnknownNames::per_minute(tls.unknown_names_per_minute),
                platform_host: config.platform_host.clone(),
                base_domain: config.base_domain.clone(),
            }),
        })
    }

    /// Loads the certificates given as files and those stored, and issues
    /// the platform host's from the local CA if there is one. A stored
    /// certificate that cannot be read is logged and skipped.
    pub async fn load(&self) -> Result<(), TlsError> {
        let inner = &self.inner;
        if inner.config.https_port.is_none() {
            return Ok(());
        }
        for files in &inner.config.certificates {
            let chain = std::fs::read(&files.cert)?;
            let key = std::fs::read(&files.key)?;
            inner
                .certs
                .insert(Served::from_pem(&provider(), &chain, &key, Source::File)?);
        }
        watch::reload_all(self).await?;
        if let Some(ca) = &inner.local_ca {
            let name = inner.platform_host.to_string();
            inner.certs.insert(ca.issue(&provider(), &[name])?);
        }
        Ok(())
    }

    /// The background work: the issuer (with ACME) and the listener that
    /// reloads certificates other instances obtained.
    pub fn spawn_tasks(&self, platform: Platform) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        if self.inner.config.https_port.is_some() || self.inner.issuer.is_some() {
            tasks.push(watch::spawn(self.clone(), platform));
        }
        if let Some(issuer) = &self.inner.issuer {
            tasks.push(issuer.spawn());
        }
        tasks
    }

    pub fn certificates(&self) -> &Certificates {
        &self.inner.certs
    }

    pub fn issuer(&self) -> Option<&Issuer> {
        self.inner.issuer.as_ref()
    }

    pub fn config(&self) -> &crate::config::TlsConfig {
        &self.inner.config
    }

    pub(crate) fn pool(&self) -> &Platform {
        &self.inner.pool
    }

    pub(crate) fn sealer(&self) -> Option<&Sealer> {
        self.inner.sealer.as_ref()
    }

    pub fn handshake_timeout(&self) -> Duration {
        Duration::from_secs(self.inner.config.handshake_timeout_secs.max(1))
    }

    fn unknown_names(&self) -> &limiter::UnknownNames {
        &self.inner.unknown
    }

    /// Whether `name` leads to a site, from memory.
    pub fn routes(&self, name: &str) -> bool {
        Hostname::parse(name).is_ok_and(|host| self.inner.resolver.routes(&host))
    }

    /// A client asked for a routed name we have no certificate for. Only
    /// custom domains are ordered: the platform's own names come as files.
    fn asked_for(&self, name: &str) {
        let own = name == self.inner.platform_host.as_str()
            || name
                .strip_suffix(self.inner.base_domain.as_str())
                .is_some_and(|rest| rest.ends_with('.'));
        if let Some(issuer) = self.inner.issuer.as_ref().filter(|_| !own) {
            issuer.asked_for(name);
        }
    }

    /// With the local CA, issues `name`'s certificate now.
    fn issue_locally(&self, name: &str) -> bool {
        let Some(ca) = &self.inner.local_ca else {
            return false;
        };
        match ca.issue(&provider(), &[name.to_owned()]) {
            Ok(served) => {
                self.inner.certs.insert(served);
                true
            }
            Err(error) => {
                tracing::warn!(%error, name, "local CA cannot issue");
                false
            }
        }
    }

    /// The TLS-ALPN-01 certificate for `name`, if an order awaits one.
    async fn alpn_challenge(&self, name: &str) -> Option<Arc<CertifiedKey>> {
        let digest = match challenge::tls_alpn01_digest(&self.inner.pool, name).await {
            Ok(digest) => digest?,
            Err(error) => {
                tracing::warn!(%error, "cannot read ACME challenges");
                return None;
            }
        };
        let digest = data_encoding::HEXLOWER.decode(digest.as_bytes()).ok()?;
        challenge::alpn_certificate(&provider(), name, &digest)
            .inspect_err(|error| tracing::warn!(%error, "cannot make a challenge certificate"))
            .ok()
    }
}
