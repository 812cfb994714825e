//! [`Notifications`]: what the pages, the API and the jobs of this module
//! share — the signing keys (VAPID seals, unsubscribe links), the push
//! client and how links in mails are written. Handlers take it as
//! `State<Notifications>`; it holds no pool.

use std::sync::Arc;

use super::push::Pusher;
use super::push::vapid::{self, VapidError, VapidKey};
use crate::auth::Keys;
use crate::config::{HttpConfig, NotificationsConfig};
use crate::db::TenantTx;
use crate::model::Tenant;

/// Cheap to clone.
#[derive(Clone)]
pub struct Notifications(Arc<Inner>);

struct Inner {
    keys: Keys,
    pusher: Pusher,
    http: HttpConfig,
    config: NotificationsConfig,
}

impl Notifications {
    pub fn new(
        keys: Keys,
        http: HttpConfig,
        config: NotificationsConfig,
    ) -> Result<Self, rustls::Error> {
        if config.allow_loopback_push {
            tracing::warn!(
                "notifications.allow_loopback_push is on: members may aim pushes at \
                 http://127.0.0.1 (for tests only)"
            );
        }
        Ok(Self(Arc::new(Inner {
            pusher: Pusher::new(&config)?,
            keys,
            http,
            config,
        })))
    }

    pub fn keys(&self) -> &Keys {
        &self.0.keys
    }

    pub fn pusher(&self) -> &Pusher {
        &self.0.pusher
    }

    pub fn config(&self) -> &NotificationsConfig {
        &self.0.config
    }

    /// The tenant's VAPID key pair (made on first use).
    pub async fn vapid_key(&self, tx: &mut TenantTx) -> Result<VapidKey, VapidError> {
        vapid::key(tx, &self.0.keys).await
    }

    /// Who push services may contact about this tenant's pushes.
    pub fn contact(&self, tenant: &Tenant) -> String {
        match &self.0.config.vapid_contact {
            Some(contact) => contact.clone(),
            None => format!("https://{}", tenant.canonical_host()),
        }
    }

    /// An absolute link to `path` on the tenant's portal, for mails.
    pub fn link(&self, tenant: &Tenant, path: &str) -> String {
        self.0
            .http
            .tenant_link(tenant.canonical_host().as_str(), path)
    }
}
