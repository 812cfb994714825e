//! `[db]`: the pools (tenant-affine shards, the platform pool), their
//! limits, and the pooler the tenant pools may go through.

use secrecy::SecretString;
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
    /// Other PostgreSQL servers that hold tenant schemas, beside the one of
    /// `database_url` (the primary, named `primary`). Never printed: the
    /// URLs hold passwords.
    #[serde(default, skip_serializing)]
    pub nodes: Vec<NodeConfig>,
    /// A streaming replica of the primary that long reads (reports,
    /// exports) go to while it keeps up. Never printed: the URL holds a
    /// password.
    #[serde(default, skip_serializing)]
    pub replica: Option<ReplicaConfig>,
}

/// `[db.replica]`: a hot standby of the primary (streaming replication),
/// reached with the primary's owner role (a physical replica has the same
/// roles and passwords).
#[derive(Debug, Clone, Deserialize)]
pub struct ReplicaConfig {
    pub url: SecretString,
    /// Past this many seconds behind the primary, reads go to the primary.
    #[serde(default = "default_max_lag_secs")]
    pub max_lag_secs: u64,
    /// A pooler in front of the replica, for its tenant pools.
    #[serde(default)]
    pub pooler: Option<PoolerConfig>,
}

fn default_max_lag_secs() -> u64 {
    10
}

/// `[[db.nodes]]`: a PostgreSQL database that holds tenant schemas. The
/// URL's role owns them (it needs CREATEROLE, as the primary's does); the
/// tenant pools log in there as that node's own app role.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeConfig {
    pub name: String,
    pub url: SecretString,
    /// A pooler in front of this node, for its tenant pools.
    #[serde(default)]
    pub pooler: Option<PoolerConfig>,
}

impl DbConfig {
    /// Why the nodes cannot be used: a name that is not a plain short name,
    /// `primary` (the database of `database_url`), or one given twice.
    pub fn nodes_problem(&self) -> Option<String> {
        let mut seen = std::collections::HashSet::new();
        self.nodes.iter().find_map(|node| {
            let plain = is_node_name(&node.name);
            match (
                plain,
                node.name != PRIMARY_NODE,
                seen.insert(node.name.as_str()),
            ) {
                (false, _, _) => Some(format!(
                    "db.nodes: \"{}\" is not a node name (lowercase letters, digits, - and _; \
                     at most 40)",
                    node.name
                )),
                (_, false, _) => {
                    Some("db.nodes: \"primary\" is the database of database_url".into())
                }
                (_, _, false) => Some(format!("db.nodes: \"{}\" is named twice", node.name)),
                _ => None,
            }
        })
    }
}

/// The name of the database of `database_url` among the nodes.
pub const PRIMARY_NODE: &str = "primary";

/// What `platform.remote_schemas.node` accepts.
pub fn is_node_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && name.len() <= 40
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_nodes(names: &[&str]) -> DbConfig {
        DbConfig {
            max_connections: 4,
            shards: 1,
            platform_connections: 2,
            acquire_timeout_secs: 5,
            max_connection_lifetime_secs: 600,
            migrate_parallelism: 1,
            pooler: None,
            nodes: names
                .iter()
                .map(|name| NodeConfig {
                    name: (*name).to_owned(),
                    url: SecretString::from("postgres://owner:secret@east/tessera"),
                    pooler: None,
                })
                .collect(),
            replica: None,
        }
    }

    #[test]
    fn node_names_are_short_plain_unique_and_never_primary() {
        assert_eq!(
            with_nodes(&["east", "west-2", "eu_1"]).nodes_problem(),
            None
        );
        assert_eq!(with_nodes(&[]).nodes_problem(), None);
        for bad in [
            &["primary"][..],
            &["East"],
            &["a b"],
            &["-east"],
            &["east", "east"],
        ] {
            let problem = with_nodes(bad).nodes_problem().unwrap_or_default();
            assert!(problem.starts_with("db.nodes:"), "{bad:?}: {problem}");
            assert!(!problem.contains("secret"), "{problem}");
        }
        assert!(!is_node_name(&"n".repeat(41)));
        assert!(is_node_name(&"n".repeat(40)));
    }
}
