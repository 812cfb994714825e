//! Tenant schemas on other PostgreSQL servers (`[[db.nodes]]`): where a new
//! tenant goes, and the node side of creating and dropping its schema.
//!
//! The primary keeps every tenant's platform rows; a node keeps the schema,
//! its role, a registry row for it, and a placeholder tenant row that the
//! registry's foreign key needs (named `t-<id>`, so a slug taken again on
//! the primary never collides there). A change spans two databases, so it
//! is ordered to leave nothing that serves wrongly: the node's schema is
//! committed before the primary names it, and dropped again if the
//! primary's transaction then fails.

use sqlx::PgConnection;

use crate::db::Platform;
use crate::db::migrate::{MigrateError, MigrationSet, tenants as schemas};
use crate::model::{SchemaName, TenantId};

/// The `[[db.nodes]]` servers' owner connections, by name (the primary not
/// among them).
#[derive(Debug, Clone, Default)]
pub struct Nodes(Vec<(String, Platform)>);

impl Nodes {
    pub fn new<'a>(nodes: impl IntoIterator<Item = (&'a str, &'a Platform)>) -> Self {
        Self(
            nodes
                .into_iter()
                .map(|(name, owner)| (name.to_owned(), owner.clone()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&Platform> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, owner)| owner)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The node with the fewest tenants, `None` for the primary (which wins
    /// ties): a new tenant's schema goes there.
    pub async fn least_loaded(
        &self,
        primary: &Platform,
    ) -> Result<Option<(&str, &Platform)>, sqlx::Error> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let counts = sqlx::query!(
            r#"SELECT 'primary' AS "node!", count(*) AS "tenants!"
               FROM platform.tenant_schemas WHERE tenant_id IS NOT NULL
               UNION ALL
               SELECT node, count(*) FROM platform.remote_schemas GROUP BY node"#
        )
        .fetch_all(primary)
        .await?;
        let load = |name: &str| {
            counts
                .iter()
                .find(|c| c.node == name)
                .map_or(0, |c| c.tenants)
        };
        let primary_load = load(crate::config::PRIMARY_NODE);
        let lightest = self
            .0
            .iter()
            .map(|(name, owner)| (load(name), name.as_str(), owner))
            .min_by_key(|(tenants, _, _)| *tenants);
        Ok(lightest
            .filter(|(tenants, _, _)| *tenants < primary_load)
            .map(|(_, name, owner)| (name, owner)))
    }
}

/// Creates tenant `tenant_id`'s schema on a node, fully migrated, with its
/// registry row, and commits it there.
pub async fn host_schema(
    owner: &Platform,
    tenant_id: TenantId,
    set: &MigrationSet,
) -> Result<(), MigrateError> {
    let mut tx = owner.begin().await?;
    insert_placeholder(&mut tx, tenant_id).await?;
    schemas::install(
        &mut tx,
        &SchemaName::for_tenant(tenant_id),
        Some(tenant_id),
        set,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The node's tenant row for `tenant_id`, which its registry row points to.
pub async fn insert_placeholder(
    conn: &mut PgConnection,
    tenant_id: TenantId,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.tenants (id, slug, name) OVERRIDING SYSTEM VALUE
         VALUES ($1::bigint, 't-' || $1::bigint, 'tenant ' || $1::bigint || ' (kept on the primary)')
         ON CONFLICT (id) DO NOTHING",
        tenant_id.get()
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Drops tenant `tenant_id`'s schema, role and rows on a node.
pub async fn drop_hosted(owner: &Platform, tenant_id: TenantId) -> Result<(), sqlx::Error> {
    drop_tenant_schema(owner, tenant_id, LockWait::Seconds3, true).await
}

/// How long a drop waits for the schema's tables.
#[derive(Debug, Clone, Copy)]
pub enum LockWait {
    /// Long enough for the requests in flight.
    Seconds3,
    /// Shorter than PostgreSQL's deadlock_timeout (1 s): when a request in
    /// flight holds one table and waits behind the drop for another, the
    /// drop gives up first (and is tried again) rather than the request
    /// being chosen as the deadlock's victim.
    BelowDeadlockTimeout,
}

/// Drops tenant `tenant_id`'s schema and its registry rows on the database
/// of `owner`, in a transaction of its own; with `placeholder` (a node),
/// the node's tenant row too.
pub async fn drop_tenant_schema(
    owner: &Platform,
    tenant_id: TenantId,
    wait: LockWait,
    placeholder: bool,
) -> Result<(), sqlx::Error> {
    let mut tx = owner.begin().await?;
    let setting = match wait {
        LockWait::Seconds3 => "SET LOCAL lock_timeout = '3s'",
        LockWait::BelowDeadlockTimeout => "SET LOCAL lock_timeout = '500ms'",
    };
    sqlx::raw_sql(setting).execute(&mut *tx).await?;
    schemas::drop_schema(&mut tx, &SchemaName::for_tenant(tenant_id)).await?;
    if placeholder {
        sqlx::query!(
            "DELETE FROM platform.tenants WHERE id = $1",
            tenant_id.get()
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Names, in the primary's transaction, the node that holds the schema.
pub async fn register_remote(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    node: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO platform.remote_schemas (tenant_id, node, version, status)
         VALUES ($1, $2, $3, 'ready')",
        tenant_id.get(),
        node,
        version
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The node holding `tenant_id`'s schema, `None` for the primary.
pub async fn node_of(
    conn: &mut PgConnection,
    tenant_id: TenantId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT node FROM platform.remote_schemas WHERE tenant_id = $1",
        tenant_id.get()
    )
    .fetch_optional(&mut *conn)
    .await
}
