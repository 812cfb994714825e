//! Database access: connection pools, the private embedded cluster, the
//! `TenantTx` extractor and the migration runner.
//!
//! Handlers never see a pool. Tenant data is reached through
//! [`Database::begin_tenant`] (wrapped by [`TenantTx`]), which is the single
//! place that decides which connection serves which tenant.

pub mod embedded;
pub mod migrate;
mod tenant_tx;

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Transaction};

pub use tenant_tx::TenantTx;

use crate::config::DbConfig;
use crate::tenancy::SchemaName;

/// The platform pool plus one pool per tenant shard.
#[derive(Clone, Debug)]
pub struct Database {
    platform: PgPool,
    shards: Arc<[PgPool]>,
    options: Arc<PgConnectOptions>,
}

impl Database {
    /// Builds the pools. Connections are opened lazily, so this only fails on
    /// invalid options; [`Database::ping`] proves the server answers.
    pub fn connect(options: PgConnectOptions, config: &DbConfig) -> Self {
        let options = options.application_name("tessera");
        let acquire_timeout = Duration::from_secs(config.acquire_timeout_secs);
        let lifetime = Duration::from_secs(config.max_connection_lifetime_secs);
        let per_shard = (config.max_connections / config.shards).max(1);
        let pool = |size: u32| {
            PgPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(acquire_timeout)
                .max_lifetime(lifetime)
                .idle_timeout(Duration::from_secs(300))
                // A ping per checkout costs a round trip on every request;
                // a dead connection surfaces as an error on first use instead.
                .test_before_acquire(false)
                .connect_lazy_with(options.clone())
        };
        let shards = (0..config.shards).map(|_| pool(per_shard)).collect();
        Self {
            platform: pool(config.platform_connections),
            shards,
            options: Arc::new(options),
        }
    }

    /// The pool for platform tables (tenants, domains, registry, jobs).
    pub fn platform(&self) -> &PgPool {
        &self.platform
    }

    /// Options to open dedicated connections (e.g. `LISTEN`).
    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.options
    }

    /// Starts a transaction on `schema`: `BEGIN` and the transaction-local
    /// `search_path` travel in one round trip. The schema name is built from
    /// an integer id, never from request input, so splicing it is safe.
    pub async fn begin_tenant(
        &self,
        tenant_id: i64,
        schema: &SchemaName,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let statement = format!("BEGIN; SELECT set_config('search_path', '{schema}', true)");
        self.shard_for(tenant_id)
            .begin_with(AssertSqlSafe(statement))
            .await
    }

    /// A plain connection from the pool that serves `tenant_id`, without a
    /// transaction or `search_path`: for diagnostics and tests that check what
    /// a connection looks like after a tenant used it.
    pub async fn raw_shard_connection(
        &self,
        tenant_id: i64,
    ) -> Result<sqlx::pool::PoolConnection<Postgres>, sqlx::Error> {
        self.shard_for(tenant_id).acquire().await
    }

    fn shard_for(&self, tenant_id: i64) -> &PgPool {
        let index = tenant_id.rem_euclid(self.shards.len().max(1) as i64) as usize;
        self.shards.get(index).unwrap_or(&self.platform)
    }

    /// One trivial query: proves the server answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.platform)
            .await
            .map(|_| ())
    }

    /// Closes every pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.platform.close().await;
        for shard in self.shards.iter() {
            shard.close().await;
        }
    }
}
