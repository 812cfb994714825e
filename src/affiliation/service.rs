//! `Affiliation`: what the capture path keeps in memory. The click buffer,
//! and the live links by (tenant, code) for half a minute, so that a short
//! link answers without a database round trip. A link turned off, or an
//! affiliate banned, stops attributing on this instance at once
//! ([`Affiliation::forget_links`]) and on the others within the half minute.

use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;

use super::books::Books;
use super::clicks::ClickBuffer;
use super::links::{self, Target};
use crate::auth::keys::Keys;
use crate::db::{Database, TenantTx};
use crate::model::TenantId;

#[derive(Clone)]
pub struct Affiliation {
    pub clicks: ClickBuffer,
    targets: Cache<(TenantId, String), Option<Arc<Target>>>,
    keys: Keys,
    db: Database,
    /// `https://<platform host>`: where the platform programme's links live.
    platform_base: Arc<str>,
}

impl Affiliation {
    pub fn new(db: Database, keys: Keys, platform_base: String) -> Self {
        Self {
            clicks: ClickBuffer::new(db.clone()),
            db,
            platform_base: platform_base.into(),
            targets: Cache::builder()
                .max_capacity(50_000)
                .time_to_live(Duration::from_secs(30))
                .build(),
            keys,
        }
    }

    pub fn platform_base(&self) -> &str {
        &self.platform_base
    }

    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The live link of `code` on the transaction's tenant (unknown codes
    /// are remembered too: a flood of bad ones costs one query each per
    /// half minute).
    pub async fn target(
        &self,
        tx: &mut TenantTx,
        code: &str,
    ) -> Result<Option<Arc<Target>>, sqlx::Error> {
        let Some(code) = links::fold(code) else {
            return Ok(None);
        };
        let key = (tx.tenant().id, code);
        if let Some(hit) = self.targets.get(&key).await {
            return Ok(hit);
        }
        let found = links::target(&mut Books::tenant(tx), &key.1)
            .await?
            .map(Arc::new);
        self.targets.insert(key, found.clone()).await;
        Ok(found)
    }

    /// The live link of `code` in the platform's programme.
    pub async fn platform_target(&self, code: &str) -> Result<Option<Arc<Target>>, sqlx::Error> {
        let Some(code) = links::fold(code) else {
            return Ok(None);
        };
        let key = (super::platform::OWNER, code);
        if let Some(hit) = self.targets.get(&key).await {
            return Ok(hit);
        }
        let mut tx = super::platform::begin(self.db.platform()).await?;
        let found = links::target(&mut Books::Platform(&mut tx), &key.1)
            .await?
            .map(Arc::new);
        tx.commit().await?;
        self.targets.insert(key, found.clone()).await;
        Ok(found)
    }

    /// The platform's pool, for the platform's books (operators' and
    /// partners' requests, which have no tenant transaction).
    pub fn platform(&self) -> &crate::db::Platform {
        self.db.platform()
    }

    /// Drops the remembered links (after a link, affiliate or programme changed).
    pub fn forget_links(&self) {
        self.targets.invalidate_all();
    }
}
