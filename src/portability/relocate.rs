//! `tessera tenant move SLUG --to NODE`: a tenant's schema to another
//! PostgreSQL server, with a read-only window instead of downtime.
//!
//! 1. The tenant is marked read-only on the primary: every instance reloads
//!    it (the row's `NOTIFY`) and its transactions begin `READ ONLY`, so a
//!    write is answered 503 with `Retry-After` while reads go on.
//! 2. On the source, every table of the schema is locked in EXCLUSIVE mode,
//!    which waits for writes begun before the mark and lets reads through.
//! 3. A fresh schema at the same migration is created on the target and
//!    each table streamed into it through COPY; sequences follow. Rows and
//!    SHA-256 of every table are compared on both sides before the target
//!    commits.
//! 4. One primary transaction names the new node and lifts the mark.
//! 5. After instances had time to reload, the source schema is dropped.
//!
//! A failure before step 4 drops what the target received and lifts the
//! mark: the tenant stays where it was.

use std::time::Duration;

use futures::TryStreamExt;
use sqlx::{AssertSqlSafe, PgConnection, Postgres, Transaction};

use super::copy::{self, StreamDigest};
use super::tables::{self, TableShape};
use super::{Portability, PortabilityError};
use crate::config::PRIMARY_NODE;
use crate::db::Platform;
use crate::db::migrate::tenants as schemas;
use crate::model::{SchemaName, Slug, TenantId};
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::nodes::{self, LockWait};
use crate::tenancy::provision::ProvisionError;

/// How long instances are given to see a change of the tenant's row.
const RELOAD_GRACE: Duration = Duration::from_secs(1);

/// What a move did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Moved {
    pub tenant_id: i64,
    pub slug: String,
    pub from: String,
    pub to: String,
    pub tables: usize,
    pub rows: u64,
    /// How long writes were refused.
    pub read_only_ms: u128,
    /// Why the source schema could not be dropped, if it could not (the
    /// tenant is served from its new node all the same).
    pub left_behind: Option<String>,
}

/// Where the tenant is and where it goes.
struct Route {
    tenant_id: TenantId,
    from: String,
    to: String,
}

impl Portability {
    /// Moves tenant `slug`'s schema to node `to` (`primary` or a
    /// `[[db.nodes]]` name).
    pub async fn move_tenant(
        &self,
        slug: &Slug,
        to: &str,
        actor: &Actor,
    ) -> Result<Moved, PortabilityError> {
        let route = self.route(slug, to).await?;
        let source = self.owner_of(&route.from)?.clone();
        let target = self.owner_of(&route.to)?.clone();
        let started = std::time::Instant::now();
        self.mark_read_only(route.tenant_id, true).await?;
        tokio::time::sleep(RELOAD_GRACE).await;
        let outcome = self.copy_and_switch(&route, &source, &target, actor).await;
        let (tables, rows, source_tx) = match outcome {
            Ok(done) => done,
            Err(error) => {
                self.mark_read_only(route.tenant_id, false).await?;
                return Err(error);
            }
        };
        let read_only_ms = started.elapsed().as_millis();
        // Readers that loaded the tenant before the switch still read the
        // source, unchanged under its locks, until they reload.
        tokio::time::sleep(RELOAD_GRACE).await;
        if route.from != PRIMARY_NODE {
            // Jobs its transactions enqueued there go before its rows do.
            crate::jobs::relay::relay_all(self.provisioner.pool(), &source).await?;
        }
        let left_behind = drop_source(source_tx, &source, route.tenant_id, &route.from)
            .await
            .err()
            .map(|error| {
                tracing::warn!(%error, node = %route.from, tenant = %route.tenant_id,
                    "the moved tenant's old schema was left behind");
                error.to_string()
            });
        Ok(Moved {
            tenant_id: route.tenant_id.get(),
            slug: slug.to_string(),
            from: route.from,
            to: route.to,
            tables,
            rows,
            read_only_ms,
            left_behind,
        })
    }

    async fn route(&self, slug: &Slug, to: &str) -> Result<Route, PortabilityError> {
        let primary = self.provisioner.pool();
        let row = sqlx::query!(
            r#"SELECT t.id, t.status, COALESCE(r.node, 'primary') AS "node!",
                      COALESCE(s.status, r.status) AS "schema_status?",
                      COALESCE(s.version, r.version) AS "version?"
               FROM platform.tenants t
               LEFT JOIN platform.tenant_schemas s ON s.tenant_id = t.id
               LEFT JOIN platform.remote_schemas r ON r.tenant_id = t.id
               WHERE t.slug = $1"#,
            slug.as_str()
        )
        .fetch_optional(primary)
        .await?
        .ok_or_else(|| PortabilityError::NotFound(slug.to_string()))?;
        let unavailable = |why: String| Err(PortabilityError::Unavailable(why));
        if row.status == "deleted" {
            return unavailable(format!("{slug} is deleted"));
        }
        if row.node == to {
            return unavailable(format!("{slug} is already on {to}"));
        }
        self.owner_of(to)?;
        let latest = self.provisioner.migrations().latest();
        if row.schema_status.as_deref() != Some("ready") || row.version != Some(latest) {
            return unavailable(format!(
                "the schema of {slug} is not ready at migration {latest}: run `tessera migrate`"
            ));
        }
        Ok(Route {
            tenant_id: TenantId::new(row.id),
            from: row.node,
            to: to.to_owned(),
        })
    }

    fn owner_of(&self, node: &str) -> Result<&Platform, PortabilityError> {
        if node == PRIMARY_NODE {
            return Ok(self.provisioner.pool());
        }
        self.provisioner
            .nodes()
            .get(node)
            .ok_or_else(|| PortabilityError::Unavailable(format!("no node {node} in db.nodes")))
    }

    async fn mark_read_only(&self, tenant_id: TenantId, on: bool) -> Result<(), sqlx::Error> {
        sqlx::query!(
            "UPDATE platform.tenants SET read_only = $2 WHERE id = $1",
            tenant_id.get(),
            on
        )
        .execute(self.provisioner.pool())
        .await?;
        self.provisioner.announce(tenant_id).await;
        Ok(())
    }

    /// Steps 2 to 4; returns the tables, the rows and the source's
    /// transaction, still holding its locks.
    async fn copy_and_switch(
        &self,
        route: &Route,
        source: &Platform,
        target: &Platform,
        actor: &Actor,
    ) -> Result<(usize, u64, Transaction<'static, Postgres>), PortabilityError> {
        let schema = SchemaName::for_tenant(route.tenant_id);
        let mut from = source.begin().await?;
        let shapes = lock_for_copy(&mut from, &schema).await?;
        let mut to = target.begin().await?;
        if route.to != PRIMARY_NODE {
            nodes::insert_placeholder(&mut to, route.tenant_id).await?;
        }
        let migrations = self.provisioner.migrations();
        schemas::install(&mut to, &schema, Some(route.tenant_id), migrations)
            .await
            .map_err(ProvisionError::from)?;
        if tables::shapes(&mut to, &schema).await? != shapes {
            return Err(PortabilityError::Unavailable(
                "the two nodes' schemas differ: run `tessera migrate`".into(),
            ));
        }
        let rows = copy_tables(&mut from, &mut to, &schema, &shapes).await?;
        to.commit().await?;
        if let Err(error) = self.switch(route, actor, rows).await {
            drop_copy(target, route.tenant_id, &route.to).await;
            return Err(error.into());
        }
        Ok((shapes.len(), rows, from))
    }

    /// Step 4, on the primary: the tenant's schema is on `route.to` now.
    async fn switch(&self, route: &Route, actor: &Actor, rows: u64) -> Result<(), sqlx::Error> {
        let mut tx = self.provisioner.pool().begin().await?;
        let id = route.tenant_id;
        sqlx::query!(
            "DELETE FROM platform.remote_schemas WHERE tenant_id = $1",
            id.get()
        )
        .execute(&mut *tx)
        .await?;
        if route.to != PRIMARY_NODE {
            let latest = self.provisioner.migrations().latest();
            nodes::register_remote(&mut tx, id, &route.to, latest).await?;
        }
        sqlx::query!(
            "UPDATE platform.tenants SET read_only = false WHERE id = $1",
            id.get()
        )
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({ "from": route.from, "to": route.to, "rows": rows });
        audit::record(&mut tx, actor, "tenant.move", Some(id), details).await?;
        tx.commit().await?;
        self.provisioner.announce(id).await;
        Ok(())
    }
}

/// The source's tables, locked against writes (reads go on) until the
/// transaction ends; waits at most 10 s for writes in flight.
async fn lock_for_copy(
    conn: &mut PgConnection,
    schema: &SchemaName,
) -> Result<Vec<TableShape>, PortabilityError> {
    sqlx::raw_sql(copy::SETTINGS).execute(&mut *conn).await?;
    sqlx::raw_sql("SET LOCAL lock_timeout = '10s'")
        .execute(&mut *conn)
        .await?;
    tables::lock_all(conn, schema, tables::LockMode::Exclusive)
        .await?
        .ok_or_else(|| PortabilityError::Unavailable(format!("the schema {schema} cannot be read")))
}

/// Every table from `from` into `to` (emptied first: migrations may seed
/// rows), the sequences after them; then each table read back on the target
/// must have the source's rows and SHA-256. The rows copied.
async fn copy_tables(
    from: &mut PgConnection,
    to: &mut PgConnection,
    schema: &SchemaName,
    shapes: &[TableShape],
) -> Result<u64, PortabilityError> {
    sqlx::raw_sql(copy::SETTINGS).execute(&mut *to).await?;
    let names: Vec<String> = shapes
        .iter()
        .map(|s| format!("{schema}.{}", s.name))
        .collect();
    sqlx::raw_sql(AssertSqlSafe(format!("TRUNCATE {}", names.join(", "))))
        .execute(&mut *to)
        .await?;
    let mut rows = 0;
    for shape in shapes {
        let sent = copy_table(from, to, schema, shape).await?;
        copy_sequences(from, to, schema, shape).await?;
        if copy::digest_table(to, schema, shape).await? != sent {
            return Err(PortabilityError::Unavailable(format!(
                "{}: the copy reads back differently from the source; nothing was moved",
                shape.name
            )));
        }
        rows += sent.0;
    }
    Ok(rows)
}

/// One table through COPY; the rows and SHA-256 of what the source sent.
async fn copy_table(
    from: &mut PgConnection,
    to: &mut PgConnection,
    schema: &SchemaName,
    shape: &TableShape,
) -> Result<(u64, String), PortabilityError> {
    let mut sink = to.copy_in_raw(&copy::copy_in(schema, shape)).await?;
    let mut digest = StreamDigest::default();
    let mut stream = from.copy_out_raw(&copy::copy_out(schema, shape)).await?;
    while let Some(bytes) = stream.try_next().await? {
        digest.update(&bytes);
        sink.send(bytes).await?;
    }
    sink.finish().await?;
    Ok(digest.finish())
}

/// Each identity column's sequence where the source's stands.
async fn copy_sequences(
    from: &mut PgConnection,
    to: &mut PgConnection,
    schema: &SchemaName,
    shape: &TableShape,
) -> Result<(), sqlx::Error> {
    let table = format!("{schema}.{}", shape.name);
    let values = super::export::sequences(from, schema, shape).await?;
    for (column, value) in shape.identity.iter().zip(values) {
        let Some(value) = value else { continue };
        sqlx::query!(
            "SELECT setval(pg_get_serial_sequence($1, $2), $3, true)",
            table,
            column,
            value
        )
        .fetch_one(&mut *to)
        .await?;
    }
    Ok(())
}

/// Step 5: the tenant role loses its write rights on the source and the
/// locks are released, which ends the writes that waited on them (refused:
/// read-only, or without the right for one begun before the mark reached
/// its instance, so that no acknowledged write lands where nobody reads);
/// then the schema (and, on a node, its placeholder row) is dropped.
async fn drop_source(
    mut locked: Transaction<'static, Postgres>,
    owner: &Platform,
    tenant_id: TenantId,
    node: &str,
) -> Result<(), sqlx::Error> {
    let schema = SchemaName::for_tenant(tenant_id);
    let role = sqlx::query_scalar!(
        r#"SELECT platform.tenant_role($1) AS "role!""#,
        schema.as_str()
    )
    .fetch_one(&mut *locked)
    .await?;
    let revoke = format!(
        "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA {schema} FROM \"{role}\""
    );
    sqlx::raw_sql(AssertSqlSafe(revoke))
        .execute(&mut *locked)
        .await?;
    locked.commit().await?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let wait = LockWait::BelowDeadlockTimeout;
        match nodes::drop_tenant_schema(owner, tenant_id, wait, node != PRIMARY_NODE).await {
            Err(error) if attempt < 40 && is_lock_conflict(&error) => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            outcome => return outcome,
        }
    }
}

/// A lock not granted in time (55P03) or a deadlock (40P01).
fn is_lock_conflict(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "55P03" || code == "40P01")
}

/// Undoes a committed copy the primary never switched to.
async fn drop_copy(target: &Platform, tenant_id: TenantId, node: &str) {
    let placeholder = node != PRIMARY_NODE;
    let dropped = nodes::drop_tenant_schema(target, tenant_id, LockWait::Seconds3, placeholder);
    if let Err(error) = dropped.await {
        tracing::warn!(%error, node, tenant = %tenant_id, "a copy never used was left behind");
    }
}
