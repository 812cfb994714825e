//! [`CardPayments`]: what pages, the API and the jobs share — the Stripe
//! client (one connection pool for every tenant; each call carries the
//! tenant's own key), the key that seals tenants' Stripe secrets, and the
//! replay window of webhook signatures; with Stripe Connect, the
//! platform's key and Connect endpoint secret. Handlers take it as
//! `State<CardPayments>`.

use std::sync::Arc;

use secrecy::SecretString;

use crate::auth::Keys;
use crate::config::{Config, HttpConfig};
use crate::db::Database;
use crate::model::TenantId;
use crate::stripe::{Client, Credentials};

/// The key derivation's purpose of earlier releases, which sealed each
/// tenant's secrets under a key derived for it.
const PURPOSE: &str = "card_payments.stripe";

/// What a secret is sealed for: its column and its tenant, so that a key
/// copied into another association's row does not open there.
fn context(tenant: TenantId, what: &str) -> String {
    format!("stripe.{what}/{}", tenant.get())
}

#[derive(Clone)]
pub struct CardPayments(Arc<Inner>);

struct Inner {
    client: Client,
    keys: Keys,
    tolerance_secs: i64,
    http: HttpConfig,
    db: Database,
    connect_key: Option<SecretString>,
    connect_webhook_secret: Option<SecretString>,
}

/// A secret could not be sealed or opened (another tenant's, another
/// platform key's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a Stripe secret could not be sealed or opened")]
pub struct SealError;

impl CardPayments {
    pub fn new(keys: Keys, config: &Config, db: Database) -> Result<Self, rustls::Error> {
        Ok(Self(Arc::new(Inner {
            client: Client::new(&config.stripe)?,
            keys,
            tolerance_secs: config.stripe.signature_tolerance_secs.max(1),
            http: config.http.clone(),
            db,
            connect_key: config.stripe.connect_secret_key.clone(),
            connect_webhook_secret: config.stripe.connect_webhook_secret.clone(),
        })))
    }

    /// Where the platform-host webhook finds the tenant an event is for
    /// (it has no request transaction: no host names a tenant there).
    pub(super) fn db(&self) -> &Database {
        &self.0.db
    }

    /// The platform's key acting on `account` (Stripe Connect), if set up.
    pub fn connected(&self, account: &str) -> Option<Credentials> {
        Some(Credentials {
            secret_key: self.0.connect_key.clone()?,
            account: Some(account.to_owned()),
        })
    }

    /// The signing secret of the platform's Connect endpoint.
    pub fn connect_webhook_secret(&self) -> Option<&SecretString> {
        self.0.connect_webhook_secret.as_ref()
    }

    /// An absolute link to `path` on `tenant`'s own host (where Stripe
    /// sends the member back, and mails point).
    pub fn link(&self, tenant: &crate::model::Tenant, path: &str) -> String {
        self.0
            .http
            .tenant_link(tenant.canonical_host().as_str(), path)
    }

    pub fn client(&self) -> &Client {
        &self.0.client
    }

    pub fn tolerance_secs(&self) -> i64 {
        self.0.tolerance_secs
    }

    /// `secret` sealed under the keyring for `tenant`; `what` (the column)
    /// is authenticated with it, so a sealed key copied into another column
    /// does not open either.
    pub fn seal(&self, tenant: TenantId, what: &str, secret: &str) -> Result<Vec<u8>, SealError> {
        self.0
            .db
            .keyring()
            .seal_str(secret, &context(tenant, what))
            .map_err(|_| SealError)
    }

    /// A secret of `tenant`'s, sealed under the keyring or, by an earlier
    /// release, under a key derived for `tenant`.
    pub fn open(
        &self,
        tenant: TenantId,
        what: &str,
        sealed: &[u8],
    ) -> Result<SecretString, SealError> {
        let legacy = self.0.keys.derive(PURPOSE, tenant);
        let plain = self
            .0
            .db
            .keyring()
            .open_or_legacy(sealed, &context(tenant, what), (&legacy, what))
            .map_err(|_| SealError)?;
        let text = String::from_utf8(plain).map_err(|_| SealError)?;
        Ok(SecretString::from(text))
    }

    /// The tenant's API credentials from its sealed key.
    pub fn credentials(&self, tenant: TenantId, sealed: &[u8]) -> Result<Credentials, SealError> {
        Ok(Credentials {
            secret_key: self.open(tenant, "secret_key", sealed)?,
            account: None,
        })
    }
}
