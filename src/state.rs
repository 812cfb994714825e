//! `AppState`: what every handler may reach, cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Notify;

use crate::auth::Auth;
use crate::config::Config;
use crate::db::Database;
use crate::domains::Domains;
use crate::mail::{Mailer, Outbox};
use crate::platform::operators::Operators;
use crate::platform::tenants::Tenants;
use crate::portability::Portability;
use crate::storage::Storage;
use crate::tenancy::Resolver;
use crate::tenancy::provision::Provisioner;
use crate::themes::Themes;
use crate::web::page_cache::PageCache;

/// Shared by every request; cloning only bumps a reference count.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }

    /// What reminder mails sign and address their links with.
    pub fn reminder_links(&self) -> crate::contributions::reminders::links::Linker {
        crate::contributions::reminders::links::Linker {
            keys: self.auth.keys.clone(),
            http: self.config.http.clone(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

pub struct Services {
    pub config: Arc<Config>,
    pub db: Database,
    pub resolver: Resolver,
    pub themes: Themes,
    pub provisioner: Provisioner,
    pub metrics: PrometheusHandle,
    /// Wakes the warm-pool refiller after a tenant took a spare.
    pub warm_pool_wake: Arc<Notify>,
    /// Rendered pages that are the same for every anonymous visitor.
    pub pages: PageCache,
    pub auth: Auth,
    /// Sends the `mail` jobs.
    pub mailer: Mailer,
    /// The outbox pages' reads (empty unless `mail.transport = "outbox"`).
    pub outbox: Outbox,
    /// Tenants' immutable files (receipt PDFs).
    pub storage: Storage,
    /// Platform operators: sign-in, sessions, tokens.
    pub operators: Operators,
    /// Tenants as the console and the white-label API see them.
    pub tenants: Tenants,
    /// Custom domains: claims, proofs, checks.
    pub domains: Domains,
    /// Associations' self-service sign-up.
    pub signups: crate::platform::signup::Signups,
    /// Tenants' export and import, and the purge of deleted ones.
    pub portability: Portability,
    /// HTTPS: certificates, the issuer, the redirect and HSTS.
    pub tls: crate::tls::Tls,
    /// Notifications: the push client, VAPID keys, mail links.
    pub notifications: crate::notifications::Notifications,
    /// Tenants' documents: uploads checked and stored, downloads.
    pub documents: crate::documents::Documents,
    /// Referral clicks waiting to be written, and the live links.
    pub affiliation: crate::affiliation::Affiliation,
    /// Live events heard from every instance, handed to open streams.
    pub live: crate::live::Live,
    /// Card payments: the Stripe client and the key sealing tenants' secrets.
    pub card_payments: crate::card_payments::CardPayments,
    /// Turned off on shutdown, before the listener closes (`/readyz`).
    pub readiness: crate::web::Readiness,
}

// What handlers may take as `State<…>`: services, never a pool (tenant
// data is reached through the request's `TenantTx`).

impl FromRef<AppState> for Themes {
    fn from_ref(state: &AppState) -> Self {
        state.themes.clone()
    }
}

impl FromRef<AppState> for crate::platform::signup::Signups {
    fn from_ref(state: &AppState) -> Self {
        state.signups.clone()
    }
}

impl FromRef<AppState> for crate::documents::Documents {
    fn from_ref(state: &AppState) -> Self {
        state.documents.clone()
    }
}

impl FromRef<AppState> for crate::affiliation::Affiliation {
    fn from_ref(state: &AppState) -> Self {
        state.affiliation.clone()
    }
}

impl FromRef<AppState> for crate::live::Live {
    fn from_ref(state: &AppState) -> Self {
        state.live.clone()
    }
}

impl FromRef<AppState> for crate::card_payments::CardPayments {
    fn from_ref(state: &AppState) -> Self {
        state.card_payments.clone()
    }
}

impl FromRef<AppState> for Domains {
    fn from_ref(state: &AppState) -> Self {
        state.domains.clone()
    }
}

impl FromRef<AppState> for Resolver {
    fn from_ref(state: &AppState) -> Self {
        state.resolver.clone()
    }
}

impl FromRef<AppState> for crate::web::Readiness {
    fn from_ref(state: &AppState) -> Self {
        state.readiness.clone()
    }
}

impl FromRef<AppState> for PageCache {
    fn from_ref(state: &AppState) -> Self {
        state.pages.clone()
    }
}

impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

impl FromRef<AppState> for Outbox {
    fn from_ref(state: &AppState) -> Self {
        state.outbox.clone()
    }
}

impl FromRef<AppState> for Storage {
    fn from_ref(state: &AppState) -> Self {
        state.storage.clone()
    }
}

impl FromRef<AppState> for Operators {
    fn from_ref(state: &AppState) -> Self {
        state.operators.clone()
    }
}

impl FromRef<AppState> for Tenants {
    fn from_ref(state: &AppState) -> Self {
        state.tenants.clone()
    }
}

impl FromRef<AppState> for Portability {
    fn from_ref(state: &AppState) -> Self {
        state.portability.clone()
    }
}

impl FromRef<AppState> for crate::notifications::Notifications {
    fn from_ref(state: &AppState) -> Self {
        state.notifications.clone()
    }
}

impl FromRef<AppState> for crate::tls::Tls {
    fn from_ref(state: &AppState) -> Self {
        state.tls.clone()
    }
}

/// Built per request from the platform handle: the handler gets the
/// operations, not the handle.
impl FromRef<AppState> for crate::platform::ops::Ops {
    fn from_ref(state: &AppState) -> Self {
        crate::platform::ops::Ops::new(state.db.platform().clone(), &state.config)
    }
}

/// Reporting's reach into the platform's tables (published figures,
/// federation links): operations, not the handle.
impl FromRef<AppState> for crate::reporting::federation::Federations {
    fn from_ref(state: &AppState) -> Self {
        crate::reporting::federation::Federations::new(state.db.platform().clone())
    }
}
