//! A tenant's hostnames (`platform.domains`): its default host and custom
//! domains, each owned by exactly one tenant.

use sqlx::PgConnection;

use super::Hostname;
use super::provision::ProvisionError;

pub(super) async fn insert_domain(
    conn: &mut PgConnection,
    tenant_id: i64,
    host: &Hostname,
    kind: &str,
) -> Result<(), ProvisionError> {
    sqlx::query!(
        "INSERT INTO platform.domains (hostname, tenant_id, kind) VALUES ($1, $2, $3)",
        host.as_str(),
        tenant_id,
        kind
    )
    .execute(conn)
    .await
    .map_err(|e| match unique_violation(&e) {
        Some("domains_pkey") => ProvisionError::DomainTaken(host.to_string()),
        _ => e.into(),
    })?;
    Ok(())
}

/// Makes the tenant's custom domains exactly `wanted`; true if any changed.
pub(super) async fn replace_custom_domains(
    conn: &mut PgConnection,
    tenant_id: i64,
    wanted: &[Hostname],
) -> Result<bool, ProvisionError> {
    let wanted_names: Vec<String> = wanted.iter().map(|h| h.to_string()).collect();
    let removed = sqlx::query!(
        "DELETE FROM platform.domains
         WHERE tenant_id = $1 AND kind = 'custom' AND hostname <> ALL($2)",
        tenant_id,
        &wanted_names
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let existing = sqlx::query_scalar!(
        "SELECT hostname FROM platform.domains WHERE tenant_id = $1 AND kind = 'custom'",
        tenant_id
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut added = 0;
    for host in wanted
        .iter()
        .filter(|h| !existing.iter().any(|e| e == h.as_str()))
    {
        insert_domain(conn, tenant_id, host, "custom").await?;
        added += 1;
    }
    Ok(removed > 0 || added > 0)
}

/// The constraint a unique violation names, if `error` is one.
pub(super) fn unique_violation(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint(),
        _ => None,
    }
}
