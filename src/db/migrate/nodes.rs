//! Migrations on every node: each `[[db.nodes]]` database is migrated like
//! the primary (its own platform schema, registry and tenant schemas), then
//! the state of the schemas it holds is copied into the primary's
//! `platform.remote_schemas`, which is what instances read.

use super::{MigrateError, MigrationReport, TenantMigrationOptions, run};
use crate::db::{Database, Platform};

/// The primary, then every other node; one report for all of them.
pub async fn run_all(
    db: &Database,
    options: &TenantMigrationOptions,
) -> Result<MigrationReport, MigrateError> {
    let mut report = run(db.platform(), options).await?;
    for (name, owner) in db.other_nodes() {
        let node = run(owner, options).await?;
        report_states(db.platform(), name, owner).await?;
        report.absorb(node);
    }
    Ok(report)
}

/// Copies the version and status of the tenant schemas on node `name` into
/// the primary's rows for them. Only rows that differ are written, so that
/// instances (told by the table's trigger) reload only tenants that changed.
pub async fn report_states(
    primary: &Platform,
    name: &str,
    owner: &Platform,
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT tenant_id AS "tenant_id!", version, status, last_error
           FROM platform.tenant_schemas WHERE tenant_id IS NOT NULL"#
    )
    .fetch_all(owner)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.tenant_id).collect();
    let versions: Vec<i64> = rows.iter().map(|r| r.version).collect();
    let statuses: Vec<String> = rows.iter().map(|r| r.status.clone()).collect();
    let errors: Vec<Option<String>> = rows.iter().map(|r| r.last_error.clone()).collect();
    sqlx::query!(
        "UPDATE platform.remote_schemas AS r
         SET version = n.version, status = n.status, last_error = n.last_error,
             updated_at = now()
         FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[])
              AS n (tenant_id, version, status, last_error)
         WHERE r.tenant_id = n.tenant_id AND r.node = $1
           AND (r.version, r.status) IS DISTINCT FROM (n.version, n.status)",
        name,
        &ids,
        &versions,
        &statuses,
        &errors as &[Option<String>]
    )
    .execute(primary)
    .await?;
    Ok(())
}
