//! Building the state: password hashing and keys, then every service over
//! the database, the themes and the configuration.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::StartError;
use crate::auth::{self, Auth};
use crate::config::Config;
use crate::db::Database;
use crate::mail::{self, Mailer};
use crate::state::{AppState, Services};
use crate::tenancy::Resolver;
use crate::tenancy::nodes::Nodes;
use crate::tenancy::provision::Provisioner;
use crate::themes::sandbox::SandboxConfig;
use crate::themes::{RenderError, Themes};
use crate::web;
use crate::web::page_cache::PageCache;

/// Password hashing sized to this machine, login throttling, and the keys
/// from the platform schema.
pub(super) async fn build_auth(config: &Config, db: &Database) -> Result<Auth, StartError> {
    let keys = auth::Keys::load(db.platform())
        .await
        .map_err(|e| StartError::Auth(e.to_string()))?;
    let passwords = match config.auth.hash_parallelism {
        Some(parallel) => auth::Passwords::new(parallel),
        None => auth::Passwords::for_this_machine(),
    }
    .map_err(|e| StartError::Auth(e.to_string()))?;
    let rules = auth::throttle::Rules {
        account_free: config.auth.failures_per_account,
        address_free: config.auth.failures_per_address,
        ..Default::default()
    };
    Ok(Auth {
        passwords,
        throttle: auth::Throttle::new(rules),
        keys,
        always_secure_cookies: config.http.secure_cookies,
        trust_forwarded_for: config.http.trust_forwarded_for,
        public_scheme: config.http.public_scheme,
    })
}

pub(super) fn build_state(
    config: Config,
    db: Database,
    auth: Auth,
) -> Result<AppState, StartError> {
    let warm_pool_wake = Arc::new(Notify::new());
    let resolver = Resolver::new(db.platform().clone(), config.platform_host.clone());
    let provisioner = Provisioner::new(
        db.platform().clone(),
        config.base_domain.clone(),
        config.platform_host.clone(),
    )
    .with_nodes(Nodes::new(db.other_nodes()))
    .notify_spare_taken(warm_pool_wake.clone())
    .reloading(resolver.clone());
    let pages = PageCache::new(
        config.cache.pages && !config.dev_mode,
        Duration::from_secs(config.cache.page_ttl_secs),
    );
    let themes = load_themes(&config)?;
    let mailer = Mailer::from_config(&config.mail, themes.clone())?;
    let outbox = mail::Outbox::new(db.platform(), mailer.transport());
    let storage = crate::storage::Storage::from_config(&config.storage, &config.storage_dir())?;
    let operators = crate::platform::operators::Operators::new(
        db.platform().clone(),
        auth.passwords.clone(),
        auth.throttle.clone(),
        db.keyring().clone(),
    );
    let tenants = crate::platform::tenants::Tenants::new(
        db.clone(),
        provisioner.clone(),
        themes.clone(),
        config.http.clone(),
    );
    let domains = crate::domains::Domains::new(
        db.platform().clone(),
        auth.keys.clone(),
        config.domains.clone(),
        [config.platform_host.clone(), config.base_domain.clone()],
    )
    .reloading(resolver.clone());
    let signups = crate::platform::signup::Signups::new(
        db.platform().clone(),
        tenants.clone(),
        config.http.clone(),
        [config.platform_host.clone(), config.base_domain.clone()],
    );
    let portability =
        crate::portability::Portability::new(provisioner.clone(), storage.clone(), themes.names());
    let tls = crate::tls::Tls::new(&config, db.platform().clone(), resolver.clone())?;
    let notifications = crate::notifications::Notifications::new(
        auth.keys.clone(),
        config.http.clone(),
        config.notifications.clone(),
    )
    .map_err(|e| crate::tls::TlsError::Config(format!("push client: {e}")))?;
    let documents = crate::documents::Documents::new(storage.clone(), config.documents.clone());
    let platform_base = config.http.tenant_link(config.platform_host.as_str(), "");
    let affiliation =
        crate::affiliation::Affiliation::new(db.clone(), auth.keys.clone(), platform_base);
    let live = crate::live::Live::new(
        db.clone(),
        Arc::new(crate::reporting::stream::Figures::new(themes.clone())),
        (&config.reporting).into(),
    );
    let card_payments =
        crate::card_payments::CardPayments::new(auth.keys.clone(), &config, db.clone())
            .map_err(|e| crate::tls::TlsError::Config(format!("stripe client: {e}")))?;
    Ok(AppState::new(Services {
        card_payments,
        affiliation,
        live,
        notifications,
        documents,
        tls,
        signups,
        domains,
        portability,
        operators,
        tenants,
        pages,
        resolver,
        themes,
        mailer,
        outbox,
        storage,
        metrics: web::metrics::recorder(),
        readiness: web::Readiness::default(),
        warm_pool_wake,
        provisioner,
        auth,
        config: Arc::new(config),
        db,
    }))
}

/// The themes of `config.themes_dir`, with tenants' own templates rendered
/// by workers started from `render.worker_exe` (or this executable).
pub fn load_themes(config: &Config) -> Result<Themes, StartError> {
    let worker_exe = match &config.render.worker_exe {
        Some(exe) => exe.clone(),
        None => std::env::current_exe().map_err(|e| RenderError::Theme(e.to_string()))?,
    };
    let themes_dir =
        std::path::absolute(&config.themes_dir).unwrap_or_else(|_| config.themes_dir.clone());
    let sandbox = SandboxConfig {
        worker_exe,
        themes_dir,
        workers: config.render.workers,
        timeout: Duration::from_millis(config.render.timeout_ms),
    };
    Ok(Themes::load(
        &config.themes_dir,
        config.dev_mode,
        Some(sandbox),
    )?)
}
