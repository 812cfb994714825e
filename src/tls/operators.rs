//! What operators do with the certificates of custom domains, from the
//! console, the platform API and `tessera certs`: list them (failing ones
//! first), read those of some names (a tenant's domains), and ask for an
//! order now — a retry after failures, or an early renewal. The request is
//! audited; the `NOTIFY` trigger on `platform.certificates` wakes every
//! instance's issuer. Keys never leave [`super::store`].

use std::collections::BTreeMap;

use serde_json::json;

use super::Tls;
use super::store::{self, CertificateInfo};
use crate::db::Platform;
use crate::error::AppError;
use crate::model::Hostname;
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::claims;

#[derive(Debug, thiserror::Error)]
pub enum RenewError {
    #[error("no certificate is kept for {0}: it is not a verified custom domain")]
    Unknown(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<RenewError> for AppError {
    fn from(error: RenewError) -> Self {
        match error {
            RenewError::Unknown(_) => AppError::NotFound,
            RenewError::Database(error) => AppError::Database(error),
        }
    }
}

/// Every certificate, failing ones first.
pub async fn list(pool: &Platform) -> Result<Vec<CertificateInfo>, sqlx::Error> {
    store::list(pool).await
}

/// The certificates of `names`, by name (names without one are absent).
pub async fn of_names(
    pool: &Platform,
    names: &[String],
) -> Result<BTreeMap<String, CertificateInfo>, sqlx::Error> {
    if names.is_empty() {
        return Ok(BTreeMap::new());
    }
    let found = store::find_many(pool, names).await?;
    Ok(found.into_iter().map(|c| (c.hostname.clone(), c)).collect())
}

/// Asks every issuer to order `name`'s certificate now (failures and
/// back-off forgotten), records who asked, and returns the row as it is now.
pub async fn renew_now(
    pool: &Platform,
    name: &str,
    actor: &Actor,
) -> Result<CertificateInfo, RenewError> {
    let unknown = || RenewError::Unknown(name.trim().to_owned());
    let host = Hostname::parse(name.trim()).map_err(|_| unknown())?;
    let names = [host.to_string()];
    let before = store::find_many(pool, &names)
        .await?
        .pop()
        .ok_or_else(unknown)?;
    // The change first, then its entry: `store` writes through the pool, and
    // an entry must never describe an order nobody asked for.
    if !store::schedule_now(pool, host.as_str()).await? {
        return Err(unknown());
    }
    let mut tx = pool.begin().await?;
    let tenant = claims::owner(&mut tx, &host).await?;
    let details = json!({
        "host": host.as_str(),
        "status": before.status,
        "failures": before.failures,
    });
    audit::record(&mut tx, actor, "certificate.renew", tenant, details).await?;
    tx.commit().await?;
    store::find_many(pool, &names)
        .await?
        .pop()
        .ok_or_else(unknown)
}

impl Tls {
    /// Every certificate, failing ones first (never a key).
    pub async fn list_certificates(&self) -> Result<Vec<CertificateInfo>, sqlx::Error> {
        list(self.pool()).await
    }

    /// The certificates of `names`, by name.
    pub async fn certificates_of(
        &self,
        names: &[String],
    ) -> Result<BTreeMap<String, CertificateInfo>, sqlx::Error> {
        of_names(self.pool(), names).await
    }

    /// "Retry now" / "renew now": see [`renew_now`].
    pub async fn renew_now(
        &self,
        name: &str,
        actor: &Actor,
    ) -> Result<CertificateInfo, RenewError> {
        renew_now(self.pool(), name, actor).await
    }
}
