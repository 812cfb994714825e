//! The PostgreSQL servers that hold tenant schemas: the primary (the
//! database of `database_url`, which also holds `platform`) and the
//! `[[db.nodes]]`. Each node has an owner pool (its migrations, schemas
//! created and moved there) and, opened on first use, its tenant-affine
//! shard pools, which log in as that node's own app role.

use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;
use tokio::sync::OnceCell;

use super::{Platform, PoolSettings};
use crate::model::{Tenant, TenantId};

pub(super) struct Node {
    pub(super) name: String,
    /// The owner role's connections to this node's database.
    pub(super) owner: Platform,
    /// Where the tenant pools connect: the node, or its pooler.
    tenant_options: PgConnectOptions,
    tenants: OnceCell<TenantPools>,
}

/// The tenant side of a node, opened on first use: it needs the app role's
/// name and password, which that node's platform migrations create.
pub(super) struct TenantPools {
    pub(super) shards: Box<[PgPool]>,
    role_prefix: String,
}

impl Node {
    pub(super) fn new(name: &str, owner: Platform, tenant_options: PgConnectOptions) -> Self {
        Self {
            name: name.to_owned(),
            owner,
            tenant_options,
            tenants: OnceCell::new(),
        }
    }

    pub(super) fn opened(&self) -> Option<&TenantPools> {
        self.tenants.get()
    }

    pub(super) async fn tenant_pools(
        &self,
        settings: &PoolSettings,
    ) -> Result<&TenantPools, sqlx::Error> {
        self.tenants
            .get_or_try_init(|| async {
                let (role_prefix, password) = app_credentials(&self.owner).await?;
                let options = self
                    .tenant_options
                    .clone()
                    .username(&format!("{role_prefix}_app"))
                    .password(password.expose_secret());
                let shards = (0..settings.shards)
                    .map(|_| settings.pool(settings.per_shard, options.clone()))
                    .collect();
                Ok(TenantPools {
                    shards,
                    role_prefix,
                })
            })
            .await
    }

    pub(super) async fn close(&self) {
        self.owner.close().await;
        if let Some(pools) = self.tenants.get() {
            for shard in pools.shards.iter() {
                shard.close().await;
            }
        }
    }
}

/// The statements of [`TenantPools::scope_to`].
pub(super) const SCOPE_STATEMENTS: usize = 2;

impl TenantPools {
    /// The statements that put a transaction in `tenant`'s role and schema.
    /// The role and schema names are built from the integer id, never from
    /// request input, so splicing them is safe.
    pub(super) fn scope_to(&self, tenant: &Tenant) -> String {
        let schema = tenant.schema();
        format!(
            "SET LOCAL ROLE {prefix}_{schema}; SET LOCAL search_path = {schema}, pg_temp",
            prefix = self.role_prefix,
        )
    }

    pub(super) fn shard_for(&self, tenant_id: TenantId) -> &PgPool {
        let index = tenant_id.get().rem_euclid(self.shards.len() as i64) as usize;
        &self.shards[index]
    }
}

/// The app role's prefix and password, written by the platform migrations
/// of the node's database.
async fn app_credentials(owner: &Platform) -> Result<(String, SecretString), sqlx::Error> {
    let row = sqlx::query!("SELECT prefix, app_password FROM platform.db_roles")
        .fetch_one(owner)
        .await?;
    Ok((row.prefix, SecretString::from(row.app_password)))
}
