//! The end of a tenant, in two steps. [`Provisioner::delete`] only marks it
//! `deleted`: its hosts stop serving at once (410) while its slug, domains,
//! schema and files stay, so [`Provisioner::restore`] can bring it back
//! during the grace period. [`Provisioner::purge`] then drops the schema,
//! its role and the row, which frees the slug; the files are removed by the
//! caller (`portability::purge`), since storage is not this layer's.

use std::time::Duration;

use sqlx::PgConnection;

use super::{ProvisionError, Provisioner, lock_tenant};
use crate::db::migrate::tenants as schemas;
use crate::model::{SchemaName, Slug, TenantId};
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::nodes;
use crate::tenancy::warm_pool::bound_lock_waits;

impl Provisioner {
    /// Marks a tenant deleted (its hosts answer 410 from now on). Returns
    /// false when it already was.
    pub async fn delete(
        &self,
        slug: &Slug,
        actor: impl Into<Actor>,
    ) -> Result<bool, ProvisionError> {
        let actor = actor.into();
        let mut tx = self.pool.begin().await?;
        let tenant_id = lock_tenant(&mut tx, slug).await?;
        let changed = sqlx::query!(
            "UPDATE platform.tenants
             SET status = 'deleted', deleted_at = now(), updated_at = now()
             WHERE id = $1 AND status <> 'deleted'",
            tenant_id.get()
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !changed {
            return Ok(false);
        }
        let details = serde_json::json!({ "slug": slug });
        audit::record(&mut tx, &actor, "tenant.delete", Some(tenant_id), details).await?;
        tx.commit().await?;
        self.reload(tenant_id).await;
        Ok(true)
    }

    /// Brings a deleted tenant back, active, before its purge. Returns false
    /// when it was not deleted.
    pub async fn restore(
        &self,
        slug: &Slug,
        actor: impl Into<Actor>,
    ) -> Result<bool, ProvisionError> {
        let actor = actor.into();
        let mut tx = self.pool.begin().await?;
        let tenant_id = lock_tenant(&mut tx, slug).await?;
        let changed = sqlx::query!(
            "UPDATE platform.tenants
             SET status = 'active', status_reason = NULL, deleted_at = NULL, updated_at = now()
             WHERE id = $1 AND status = 'deleted'",
            tenant_id.get()
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !changed {
            return Ok(false);
        }
        let details = serde_json::json!({ "slug": slug });
        audit::record(&mut tx, &actor, "tenant.restore", Some(tenant_id), details).await?;
        tx.commit().await?;
        self.reload(tenant_id).await;
        Ok(true)
    }

    /// Deleted tenants whose grace period is over, oldest first.
    pub async fn due_for_purge(&self, grace: Duration) -> Result<Vec<TenantId>, sqlx::Error> {
        let ids = sqlx::query_scalar!(
            "SELECT id FROM platform.tenants
             WHERE status = 'deleted' AND deleted_at <= now() - $1 * interval '1 second'
             ORDER BY deleted_at LIMIT 100",
            grace.as_secs_f64()
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(TenantId::new).collect())
    }

    /// Drops a deleted tenant's schema, its role and its row (its domains,
    /// registry rows and jobs go with it), which frees its slug. A tenant
    /// that is not deleted is refused.
    ///
    /// `DROP SCHEMA … CASCADE` needs every table of the schema exclusively:
    /// it waits at most 3 s ([`bound_lock_waits`]) for a running
    /// transaction, then fails (nothing dropped) and is tried again later.
    pub async fn purge(
        &self,
        tenant_id: TenantId,
        actor: impl Into<Actor>,
    ) -> Result<(), ProvisionError> {
        let actor = actor.into();
        let mut tx = self.pool.begin().await?;
        bound_lock_waits(&mut tx).await?;
        let row = sqlx::query!(
            "SELECT slug, status FROM platform.tenants WHERE id = $1 FOR UPDATE",
            tenant_id.get()
        )
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| ProvisionError::NotFound(tenant_id.to_string()))?;
        if row.status != "deleted" {
            return Err(ProvisionError::Invalid(format!(
                "{} is not deleted: only a deleted tenant is purged",
                row.slug
            )));
        }
        match nodes::node_of(&mut tx, tenant_id).await? {
            // Dropped there first: a purge that fails after it is run again,
            // and dropping is idempotent.
            Some(node) => {
                let owner = self.nodes.get(&node).ok_or_else(|| {
                    ProvisionError::Invalid(format!(
                        "{} is on node {node}, which db.nodes does not list",
                        row.slug
                    ))
                })?;
                nodes::drop_hosted(owner, tenant_id).await?;
            }
            None => schemas::drop_schema(&mut tx, &SchemaName::for_tenant(tenant_id)).await?,
        }
        sqlx::query!(
            "DELETE FROM platform.tenants WHERE id = $1",
            tenant_id.get()
        )
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({ "slug": row.slug });
        audit::record(&mut tx, &actor, "tenant.purge", Some(tenant_id), details).await?;
        tx.commit().await?;
        self.reload(tenant_id).await;
        Ok(())
    }

    /// The id of the tenant with this slug, deleted or not.
    pub async fn id_of(&self, slug: &Slug) -> Result<TenantId, ProvisionError> {
        let id = sqlx::query_scalar!(
            "SELECT id FROM platform.tenants WHERE slug = $1",
            slug.as_str()
        )
        .fetch_optional(&self.pool)
        .await?;
        id.map(TenantId::new)
            .ok_or_else(|| ProvisionError::NotFound(slug.to_string()))
    }
}

/// A deleted tenant cannot be suspended or resumed: it is restored first.
pub(super) async fn refuse_deleted(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    slug: &Slug,
) -> Result<(), ProvisionError> {
    let deleted = sqlx::query_scalar!(
        r#"SELECT status = 'deleted' AS "deleted!" FROM platform.tenants WHERE id = $1"#,
        tenant_id.get()
    )
    .fetch_one(conn)
    .await?;
    match deleted {
        true => Err(ProvisionError::Invalid(format!(
            "{slug} is deleted: restore it first"
        ))),
        false => Ok(()),
    }
}
