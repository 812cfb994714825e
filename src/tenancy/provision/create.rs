//! Creating a tenant: its row, hosts and invitation on the primary, its
//! schema on the least loaded node (a warm spare on the primary when one
//! is ready), all or nothing.

use std::time::Instant;

use sqlx::PgConnection;

use super::{NewTenant, ProvisionError, Provisioned, Provisioner, insert_tenant, validate_fields};
use crate::db::migrate::tenants as schemas;
use crate::model::{Hostname, SchemaName, TenantId};
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::domains::{insert_custom_domain, insert_domain};
use crate::tenancy::{nodes, warm_pool};

impl Provisioner {
    /// Creates a tenant: its row, its hosts, its schema (a warm spare when one
    /// is ready, else a fresh, fully migrated schema) and the pending admin
    /// invitation.
    pub async fn create(
        &self,
        new: &NewTenant,
        actor: impl Into<Actor>,
    ) -> Result<Provisioned, ProvisionError> {
        let actor = actor.into();
        let started = Instant::now();
        validate_fields(&new.name, &new.locale, &new.theme)?;
        new.brand
            .validate()
            .map_err(|e| ProvisionError::Invalid(e.to_string()))?;
        let default_host = self.default_host(&new.slug)?;
        if default_host == self.platform_host {
            return Err(ProvisionError::Invalid(format!(
                "{default_host} is the platform's own host: choose another slug"
            )));
        }
        self.check_custom_domains(&new.domains)?;
        let node = self.nodes.least_loaded(&self.pool).await?;
        let mut tx = self.pool.begin().await?;
        let tenant_id = insert_tenant(&mut tx, new).await?;
        insert_domain(&mut tx, tenant_id, &default_host, "default").await?;
        for domain in &new.domains {
            insert_custom_domain(&mut tx, tenant_id, domain).await?;
        }
        let schema = SchemaName::for_tenant(tenant_id);
        let from_warm_pool = match node {
            None => self.place_here(&mut tx, tenant_id, &schema).await?,
            Some((node, owner)) => {
                nodes::host_schema(owner, tenant_id, &self.migrations).await?;
                let rest = async {
                    nodes::register_remote(&mut tx, tenant_id, node, self.migrations.latest())
                        .await?;
                    self.finish_creation(tx, new, tenant_id, &actor, false, node)
                        .await
                }
                .await;
                if rest.is_err() {
                    // The primary does not name the schema: drop it again.
                    if let Err(error) = nodes::drop_hosted(owner, tenant_id).await {
                        tracing::warn!(%error, node, tenant = %tenant_id, "orphan schema left on node");
                    }
                }
                rest?;
                return self
                    .created(tenant_id, schema, default_host, false, started)
                    .await;
            }
        };
        self.finish_creation(tx, new, tenant_id, &actor, from_warm_pool, "primary")
            .await?;
        self.created(tenant_id, schema, default_host, from_warm_pool, started)
            .await
    }

    /// The schema on the primary: a spare of the warm pool if one is ready,
    /// else a fresh one. Whether a spare was taken.
    async fn place_here(
        &self,
        tx: &mut PgConnection,
        tenant_id: TenantId,
        schema: &SchemaName,
    ) -> Result<bool, ProvisionError> {
        let latest = self.migrations.latest();
        let from_warm_pool = self.use_warm_pool
            && warm_pool::claim_unless_busy(tx, tenant_id, schema, latest).await?;
        if !from_warm_pool {
            schemas::install(tx, schema, Some(tenant_id), &self.migrations).await?;
        }
        Ok(from_warm_pool)
    }

    /// The admin's invitation and the audit row, then the commit.
    async fn finish_creation(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
        new: &NewTenant,
        tenant_id: TenantId,
        actor: &Actor,
        from_warm_pool: bool,
        node: &str,
    ) -> Result<(), ProvisionError> {
        if let Some(email) = &new.admin_email {
            sqlx::query!(
                "INSERT INTO platform.admin_invitations (tenant_id, email) VALUES ($1, $2)",
                tenant_id.get(),
                email.as_str()
            )
            .execute(&mut *tx)
            .await?;
        }
        let details =
            serde_json::json!({ "slug": new.slug, "warm_pool": from_warm_pool, "node": node });
        audit::record(&mut tx, actor, "tenant.create", Some(tenant_id), details).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn created(
        &self,
        tenant_id: TenantId,
        schema: SchemaName,
        default_host: Hostname,
        from_warm_pool: bool,
        started: Instant,
    ) -> Result<Provisioned, ProvisionError> {
        if let (true, Some(refiller)) = (from_warm_pool, &self.spare_taken) {
            refiller.notify_one();
        }
        self.reload(tenant_id).await;
        Ok(Provisioned {
            tenant_id,
            schema,
            default_host,
            from_warm_pool,
            elapsed: started.elapsed(),
        })
    }
}
