//! `[db]`: the pools (tenant-affine shards, the platform pool), their
//! limits, and the pooler the tenant pools may go through.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DbConfig {
    /// Connections across all tenant shards.
    pub max_connections: u32,
    /// Tenant-affine pools: a tenant always uses shard `id % shards`, so each
    /// backend only caches the catalog of a bounded set of schemas.
    pub shards: u32,
    /// Connections of the platform pool (tenant lookup, provisioning, jobs).
    pub platform_connections: u32,
    pub acquire_timeout_secs: u64,
    /// Backstop against per-backend catalog caches growing forever.
    pub max_connection_lifetime_secs: u64,
    /// Tenants migrated at the same time by `tessera migrate`.
    pub migrate_parallelism: usize,
    /// A connection pooler (pgbouncer in transaction mode) for the tenant
    /// pools; the platform pool, `LISTEN` and migrations stay direct.
    #[serde(default)]
    pub pooler: Option<PoolerConfig>,
}

/// Where the tenant pools connect when a pooler stands in front of
/// PostgreSQL. They log in as the app role, as they would directly; the
/// pooler must know it (pgbouncer's `auth_query`, see `deploy/pgbouncer/`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PoolerConfig {
    pub host: String,
    pub port: u16,
    /// The pooler's name for the database; unset: the direct one's.
    #[serde(default)]
    pub database: Option<String>,
}
