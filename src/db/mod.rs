//! Database access: connection pools, the private embedded cluster, the
//! `TenantTx` extractor and the migration runner.
//!
//! Two kinds of connection, never mixed:
//! - the platform pool, opened with the configured (owner) role, for the
//!   `platform` schema, migrations and provisioning;
//! - the tenant shard pools, opened with the `<prefix>_app` login role (see
//!   `migrations/platform/0010_tenant_roles.sql`), which can do nothing by
//!   itself: each tenant transaction starts with `SET LOCAL ROLE` to the
//!   tenant's own role, which is granted that tenant's schema only.
//!
//! With `db.pooler` set, the tenant pools go through a pooler in transaction
//! mode (pgbouncer) and the platform pool stays direct. Everything a tenant
//! pool runs fits transaction pooling: each use is one transaction (`BEGIN`
//! and the `SET LOCAL`s first) or one simple-protocol message; locks are
//! `pg_advisory_xact_lock`. sqlx's statement cache is off there, since a
//! statement prepared on one server connection does not exist on the next;
//! the pooler's `server_reset_query` (`DEALLOCATE ALL`) drops the named
//! statements sqlx still creates, so the next client of that server
//! connection never meets them. The platform pool's autocommit statements
//! would not fit: sqlx parses and executes them in two messages, which a
//! transaction pooler may send to two different servers.
//!
//! Tenant schemas may live on other PostgreSQL servers (`[[db.nodes]]`,
//! see [`nodes`]): a tenant's transactions go to its node's pools. Long
//! reads may go to a streaming replica of the primary ([`replica`]).

pub mod embedded;
mod freshness;
pub mod migrate;
mod nodes;
mod platform;
mod replica;
mod tenant_tx;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Transaction};

use freshness::Freshness;
use nodes::{Node, SCOPE_STATEMENTS};
pub use platform::Platform;
use replica::Replica;
pub use tenant_tx::{TenantTx, TxScope};

use crate::config::{DbConfig, PRIMARY_NODE, PoolerConfig};
use crate::crypto::Keyring;
use crate::model::Tenant;
use crate::model::TenantId;

/// Owner connections to each `[[db.nodes]]` server: migrations, schemas
/// created or moved there, the job relay.
const NODE_OWNER_CONNECTIONS: u32 = 4;

/// The platform pool plus, per node, the tenant shard pools.
#[derive(Clone)]
pub struct Database {
    platform: Platform,
    /// The primary first, then the `[[db.nodes]]` in configuration order.
    nodes: Arc<[Node]>,
    /// A streaming replica of the primary for long reads, if configured.
    replica: Option<Arc<Replica>>,
    options: Arc<PgConnectOptions>,
    settings: PoolSettings,
    /// Seals and opens the sensitive columns ([`TenantTx::keyring`]).
    keyring: Keyring,
}

#[derive(Clone)]
struct PoolSettings {
    shards: u32,
    per_shard: u32,
    acquire_timeout: Duration,
    lifetime: Duration,
    freshness: Arc<Freshness>,
}

impl PoolSettings {
    fn pool(&self, size: u32, options: PgConnectOptions) -> PgPool {
        let freshness = self.freshness.clone();
        PgPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(self.acquire_timeout)
            .max_lifetime(self.lifetime)
            .idle_timeout(Duration::from_secs(300))
            // A ping per checkout costs a round trip on every request;
            // a dead connection surfaces as an error on first use instead,
            // and then every connection as old is dropped (see Freshness).
            .test_before_acquire(false)
            .before_acquire(move |_, meta| {
                let fresh = freshness.opened_since_last_loss(meta.age);
                Box::pin(async move { Ok(fresh) })
            })
            .connect_lazy_with(options)
    }
}

/// The connect options hold the password: never print them.
impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("shards", &self.settings.shards)
            .field("connections_per_shard", &self.settings.per_shard)
            .field("nodes", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Builds the pools. Connections are opened lazily, so this only fails
    /// on a node URL that is not one; [`Database::ping`] proves the server
    /// answers.
    pub fn connect(
        options: PgConnectOptions,
        config: &DbConfig,
        keyring: Keyring,
    ) -> Result<Self, sqlx::Error> {
        let options = options.application_name("tessera");
        let settings = PoolSettings {
            shards: config.shards.max(1),
            per_shard: (config.max_connections / config.shards.max(1)).max(1),
            acquire_timeout: Duration::from_secs(config.acquire_timeout_secs),
            lifetime: Duration::from_secs(config.max_connection_lifetime_secs),
            freshness: Arc::new(Freshness::new()),
        };
        let platform: Platform = settings
            .pool(config.platform_connections, options.clone())
            .into();
        let mut nodes = vec![Node::new(
            PRIMARY_NODE,
            platform.clone(),
            tenant_side(&options, config.pooler.as_ref()),
        )];
        for node in &config.nodes {
            let direct = parse_url(&node.url, &format!("db.nodes \"{}\"", node.name))?;
            let owner = settings.pool(NODE_OWNER_CONNECTIONS, direct.clone()).into();
            let tenant = tenant_side(&direct, node.pooler.as_ref());
            nodes.push(Node::new(&node.name, owner, tenant));
        }
        let replica = match &config.replica {
            Some(replica) => {
                let direct = parse_url(&replica.url, "db.replica")?;
                let owner = settings.pool(NODE_OWNER_CONNECTIONS, direct.clone()).into();
                let tenant = tenant_side(&direct, replica.pooler.as_ref());
                let node = Node::new("replica", owner, tenant);
                let max_lag = Duration::from_secs(replica.max_lag_secs);
                Some(Arc::new(Replica::new(node, max_lag)))
            }
            None => None,
        };
        Ok(Self {
            platform,
            nodes: nodes.into(),
            replica,
            options: Arc::new(options),
            settings,
            keyring,
        })
    }

    /// The keys that seal the sensitive columns, in tenant schemas and the
    /// platform's alike.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// The platform tables (tenants, domains, registry, jobs), for tenancy,
    /// migrations and the CLI; never for handlers.
    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The owner connections of node `name` (`primary`: the platform's),
    /// for what runs on a node's database itself: its migrations, schemas
    /// created or moved there, its job relay.
    pub fn node(&self, name: &str) -> Option<&Platform> {
        self.nodes.iter().find(|n| n.name == name).map(|n| &n.owner)
    }

    /// Every node's name, the primary first.
    pub fn node_names(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.name.as_str())
    }

    /// The `[[db.nodes]]`: every node but the primary.
    pub fn other_nodes(&self) -> impl Iterator<Item = (&str, &Platform)> {
        self.nodes
            .iter()
            .skip(1)
            .map(|n| (n.name.as_str(), &n.owner))
    }

    /// Connections of the platform pool: open, and idle among them.
    pub fn platform_connections(&self) -> (u32, usize) {
        self.platform.connections()
    }

    /// The tenant pools of every node together: connections open, idle
    /// among them, and the most they may open (zeros before the first
    /// tenant request).
    pub fn tenant_connections(&self) -> (u32, usize, u32) {
        self.nodes
            .iter()
            .filter_map(Node::opened)
            .flat_map(|pools| pools.shards.iter())
            .fold((0, 0, 0), |(open, idle, max), shard| {
                (
                    open + shard.size(),
                    idle + shard.num_idle(),
                    max + shard.options().get_max_connections(),
                )
            })
    }

    /// Options to open dedicated connections (e.g. `LISTEN`).
    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.options
    }

    /// Starts a transaction as `tenant`'s role on its schema, on its node:
    /// `BEGIN`, the role and the transaction-local `search_path` travel in
    /// one round trip. `pg_temp` comes last so a temporary table can never
    /// shadow a tenant table. A tenant being moved gets a read-only
    /// transaction. Code outside `db` goes through [`TenantTx`].
    pub(crate) async fn begin_tenant(
        &self,
        tenant: &Tenant,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.begin_on(self.node_of(tenant)?, tenant, tenant.read_only)
            .await
    }

    /// A read-only transaction as `tenant`, on the replica when there is
    /// one that keeps up (see [`replica`]), else as [`Self::begin_tenant`].
    pub(crate) async fn begin_tenant_read(
        &self,
        tenant: &Tenant,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        if let Some(replica) = self.replica.as_deref()
            && tenant.node.is_none()
            && replica.usable(&self.platform).await
        {
            match self.begin_on(&replica.node, tenant, true).await {
                Ok(tx) => {
                    metrics::counter!("tessera_replica_reads_total", "served_by" => "replica")
                        .increment(1);
                    return Ok(tx);
                }
                Err(error) => {
                    tracing::warn!(%error, "replica read failed; reading from the primary");
                    replica.set_aside().await;
                }
            }
        }
        if self.replica.is_some() {
            metrics::counter!("tessera_replica_reads_total", "served_by" => "primary").increment(1);
        }
        self.begin_tenant(tenant).await
    }

    async fn begin_on(
        &self,
        node: &Node,
        tenant: &Tenant,
        read_only: bool,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        let pools = node.tenant_pools(&self.settings).await?;
        let begin = if read_only {
            "BEGIN READ ONLY"
        } else {
            "BEGIN"
        };
        let statement = format!("{begin}; {}", pools.scope_to(tenant));
        let shard = pools.shard_for(tenant.id);
        // Nothing ran yet: one more try on a fresh connection is safe.
        let freshness = &self.settings.freshness;
        freshness
            .once_more_if_cut(|| shard.begin_with(AssertSqlSafe(statement.clone())))
            .await
    }

    /// Runs `sql` (statements of ours) as `tenant`'s role on its schema, in
    /// one round trip: several statements in one simple-protocol message
    /// form one implicit transaction, so the `SET LOCAL`s end with it.
    async fn read_batch_as(
        &self,
        tenant: &Tenant,
        sql: &'static str,
    ) -> Result<Vec<Vec<PgRow>>, sqlx::Error> {
        let pools = self.node_of(tenant)?.tenant_pools(&self.settings).await?;
        let statement = format!("{};\n{sql}", pools.scope_to(tenant));
        let shard = pools.shard_for(tenant.id);
        // Read-only and in one message: safe to run again on a fresh
        // connection when this one turns out to be cut.
        let read = || async {
            let mut conn = shard.acquire().await?;
            tenant_tx::results_of(&mut conn, &statement, SCOPE_STATEMENTS).await
        };
        self.settings.freshness.once_more_if_cut(read).await
    }

    /// The node holding `tenant`'s schema; an error when the configuration
    /// does not name it (the request fails; nothing is read elsewhere).
    fn node_of(&self, tenant: &Tenant) -> Result<&Node, sqlx::Error> {
        let name = tenant.node.as_deref().unwrap_or(PRIMARY_NODE);
        self.nodes.iter().find(|n| n.name == name).ok_or_else(|| {
            sqlx::Error::Configuration(
                format!(
                    "tenant {} is on node \"{name}\", which db.nodes does not list",
                    tenant.id
                )
                .into(),
            )
        })
    }

    /// One trivial query: proves the server answers.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.platform)
            .await
            .map(|_| ())
    }

    /// The server's version, as a number (`150004`) and as text.
    pub async fn server_version(&self) -> Result<(i32, String), sqlx::Error> {
        let row = sqlx::query!(
            r#"SELECT current_setting('server_version_num')::int AS "number!",
                      current_setting('server_version') AS "text!""#
        )
        .fetch_one(&self.platform)
        .await?;
        Ok((row.number, row.text))
    }

    /// Proves the tenant pools' path (the pooler, when there is one) lets
    /// the app role in, on node `name`: one trivial statement on a shard's
    /// connection.
    pub async fn ping_tenant_side(&self, name: &str) -> Result<(), sqlx::Error> {
        let Some(node) = self.nodes.iter().find(|n| n.name == name) else {
            return Err(sqlx::Error::Configuration(format!("no node {name}").into()));
        };
        let pools = node.tenant_pools(&self.settings).await?;
        let mut conn = pools.shard_for(TenantId::new(0)).acquire().await?;
        sqlx::raw_sql("SELECT 1")
            .execute(&mut *conn)
            .await
            .map(|_| ())
    }

    /// Closes every pool, waiting for connections in use to come back.
    pub async fn close(&self) {
        self.platform.close().await;
        for node in self.nodes.iter() {
            node.close().await;
        }
        if let Some(replica) = &self.replica {
            replica.node.close().await;
        }
    }
}

fn parse_url(url: &secrecy::SecretString, what: &str) -> Result<PgConnectOptions, sqlx::Error> {
    PgConnectOptions::from_str(url.expose_secret())
        .map(|options| options.application_name("tessera"))
        .map_err(|_| sqlx::Error::Configuration(format!("{what}: not a PostgreSQL URL").into()))
}

/// Where a node's tenant pools connect: the node itself, or its pooler.
fn tenant_side(direct: &PgConnectOptions, pooler: Option<&PoolerConfig>) -> PgConnectOptions {
    match pooler {
        Some(pooler) => through_pooler(direct, pooler),
        None => direct.clone(),
    }
}

/// `direct` pointed at the pooler, without what transaction pooling breaks:
/// cached prepared statements, and the `extra_float_digits` start-up
/// parameter, which pgbouncer refuses unless told to ignore it (PostgreSQL
/// 12 and later print floats exactly without it).
fn through_pooler(direct: &PgConnectOptions, pooler: &PoolerConfig) -> PgConnectOptions {
    let options = direct
        .clone()
        .host(&pooler.host)
        .port(pooler.port)
        .statement_cache_capacity(0)
        .extra_float_digits(None);
    match &pooler.database {
        Some(database) => options.database(database),
        None => options,
    }
}
