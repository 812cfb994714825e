//! The tenant row, hosts and schema of an imported tenant (see
//! `portability`), created in the importer's transaction so that a refused
//! archive leaves nothing: no row, no domain, no schema, no role.

use sqlx::PgConnection;

use super::{NewTenant, ProvisionError, Provisioner, insert_tenant, validate_fields};
use crate::db::migrate::{MigrationSet, tenants as schemas};
use crate::model::{Hostname, SchemaName, TenantId, TenantStatus};
use crate::tenancy::domains::insert_domain;
use crate::tenancy::warm_pool;

/// What [`Provisioner::create_in`] made.
#[derive(Debug, Clone)]
pub struct Created {
    pub tenant_id: TenantId,
    pub schema: SchemaName,
    pub default_host: Hostname,
}

impl Provisioner {
    /// Creates the tenant row (with `status` and `reason`), its default and
    /// custom hosts, and its schema migrated up to `version` (a warm spare
    /// when that is the latest), all in `conn`'s transaction. The caller
    /// loads the data, then calls [`Provisioner::migrate_forward_in`].
    pub(crate) async fn create_in(
        &self,
        conn: &mut PgConnection,
        new: &NewTenant,
        (status, reason): (TenantStatus, Option<&str>),
        version: i64,
    ) -> Result<Created, ProvisionError> {
        validate_fields(&new.name, &new.locale, &new.theme)?;
        new.brand
            .validate()
            .map_err(|e| ProvisionError::Invalid(e.to_string()))?;
        if version < 1 || version > self.migrations.latest() {
            return Err(ProvisionError::Invalid(format!(
                "tenant schema version {version} is unknown to this binary"
            )));
        }
        let default_host = self.default_host(&new.slug)?;
        if default_host == self.platform_host {
            return Err(ProvisionError::Invalid(format!(
                "{default_host} is the platform's own host: choose another slug"
            )));
        }
        self.check_custom_domains(&new.domains)?;
        let tenant_id = insert_tenant(&mut *conn, new).await?;
        let status = match status {
            TenantStatus::Suspended => "suspended",
            _ => "active",
        };
        sqlx::query!(
            "UPDATE platform.tenants SET status = $2, status_reason = $3 WHERE id = $1",
            tenant_id.get(),
            status,
            reason
        )
        .execute(&mut *conn)
        .await?;
        insert_domain(&mut *conn, tenant_id, &default_host, "default").await?;
        for domain in &new.domains {
            insert_domain(&mut *conn, tenant_id, domain, "custom").await?;
        }
        let schema = SchemaName::for_tenant(tenant_id);
        let latest = version == self.migrations.latest();
        let claimed = latest
            && self.use_warm_pool
            && warm_pool::claim_unless_busy(&mut *conn, tenant_id, &schema, version).await?;
        if !claimed {
            let set = MigrationSet::new(self.migrations.up_to(version).cloned().collect());
            schemas::install(&mut *conn, &schema, Some(tenant_id), &set).await?;
        }
        Ok(Created {
            tenant_id,
            schema,
            default_host,
        })
    }

    /// Applies the migrations after `version` to an imported schema, in
    /// `conn`'s transaction, and records its new version.
    pub(crate) async fn migrate_forward_in(
        &self,
        conn: &mut PgConnection,
        schema: &SchemaName,
        version: i64,
    ) -> Result<(), ProvisionError> {
        let latest = self.migrations.latest();
        if version >= latest {
            return Ok(());
        }
        schemas::apply(&mut *conn, schema, &self.migrations, version)
            .await
            .map_err(|(name, source)| crate::db::migrate::MigrateError::Tenant { name, source })?;
        sqlx::query!(
            "UPDATE platform.tenant_schemas SET version = $2, updated_at = now()
             WHERE schema_name = $1",
            schema.as_str(),
            latest
        )
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Makes a committed import visible: this process's resolver reloads
    /// the tenant, and the warm pool is topped up if a spare was taken.
    pub(crate) async fn announce(&self, tenant_id: TenantId) {
        if let Some(refiller) = &self.spare_taken {
            refiller.notify_one();
        }
        self.reload(tenant_id).await;
    }
}
