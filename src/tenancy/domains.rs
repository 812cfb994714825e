//! A tenant's hostnames (`platform.domains`): its default host and custom
//! domains, each owned by exactly one tenant. Writes for provisioning, and
//! [`HostMap`], the in-memory copy every instance resolves hosts from.

use std::collections::{HashMap, HashSet};

use sqlx::PgConnection;

use super::Hostname;
use super::claims::{self, ClaimError};
use super::provision::ProvisionError;
use crate::model::TenantId;

pub(super) async fn insert_domain(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    host: &Hostname,
    kind: &str,
) -> Result<(), ProvisionError> {
    sqlx::query!(
        "INSERT INTO platform.domains (hostname, tenant_id, kind) VALUES ($1, $2, $3)",
        host.as_str(),
        tenant_id.get(),
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

/// Makes the tenant's operator-asserted custom domains exactly `wanted`
/// (domains its administrators claimed themselves are left alone); true if
/// any changed.
pub(super) async fn replace_custom_domains(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    wanted: &[Hostname],
) -> Result<bool, ProvisionError> {
    let wanted_names: Vec<String> = wanted.iter().map(|h| h.to_string()).collect();
    let unwanted = sqlx::query_scalar!(
        "SELECT hostname FROM platform.domain_claims
         WHERE tenant_id = $1 AND method = 'operator' AND hostname <> ALL($2)",
        tenant_id.get(),
        &wanted_names
    )
    .fetch_all(&mut *conn)
    .await?;
    for host in &unwanted {
        let host = Hostname::parse(host).map_err(|e| ProvisionError::Invalid(e.to_string()))?;
        claims::remove(conn, tenant_id, &host).await?;
    }
    let routed = sqlx::query_scalar!(
        "SELECT hostname FROM platform.domains WHERE tenant_id = $1 AND kind = 'custom'",
        tenant_id.get()
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut added = 0;
    for host in wanted
        .iter()
        .filter(|h| !routed.iter().any(|r| r == h.as_str()))
    {
        insert_custom_domain(conn, tenant_id, host).await?;
        added += 1;
    }
    Ok(!unwanted.is_empty() || added > 0)
}

/// A custom domain an operator vouches for: claimed, verified and routed.
pub(super) async fn insert_custom_domain(
    conn: &mut PgConnection,
    tenant_id: TenantId,
    host: &Hostname,
) -> Result<(), ProvisionError> {
    claims::assert_by_operator(conn, tenant_id, host)
        .await
        .map_err(|e| match e {
            ClaimError::Database(e) => ProvisionError::Database(e),
            ClaimError::Taken(host) => ProvisionError::DomainTaken(host),
            other => ProvisionError::Invalid(other.to_string()),
        })
}

/// The constraint a unique violation names, if `error` is one.
pub(super) fn unique_violation(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) if db.is_unique_violation() => db.constraint(),
        _ => None,
    }
}

/// Every hostname of every tenant, held in memory so that resolving a host
/// (known or not) costs no query: `platform.domains` is small (a few hosts
/// per tenant) and changes rarely. Keys are the stored text, which is
/// already normalised ([`Hostname::parse`] on the way in).
#[derive(Debug, Default)]
pub(super) struct HostMap {
    by_host: HashMap<String, TenantId>,
    by_tenant: HashMap<TenantId, Vec<String>>,
}

impl HostMap {
    /// A map of exactly `rows` (hostname, tenant id).
    pub(super) fn from_rows(rows: Vec<(String, TenantId)>) -> Self {
        let mut map = Self::default();
        map.insert_all(rows);
        map
    }

    pub(super) fn tenant_of(&self, host: &Hostname) -> Option<TenantId> {
        self.by_host.get(host.as_str()).copied()
    }

    /// Replaces the hosts of `tenant_ids` by `rows`, their current hosts.
    /// A host is only removed while it still points to the tenant being
    /// reloaded: one moved to another tenant, already reloaded, stays.
    pub(super) fn reload(&mut self, tenant_ids: &[TenantId], rows: Vec<(String, TenantId)>) {
        for id in tenant_ids {
            for host in self.by_tenant.remove(id).unwrap_or_default() {
                if self.by_host.get(&host) == Some(id) {
                    self.by_host.remove(&host);
                }
            }
        }
        self.insert_all(rows);
    }

    fn insert_all(&mut self, rows: Vec<(String, TenantId)>) {
        for (host, id) in rows {
            self.by_tenant.entry(id).or_default().push(host.clone());
            self.by_host.insert(host, id);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.by_host.len()
    }
}

/// Reloads of the [`HostMap`] owed to notifications not yet applied.
#[derive(Debug, Default)]
pub(super) struct Pending {
    pub(super) everything: bool,
    pub(super) tenants: HashSet<TenantId>,
}

impl Pending {
    /// Adds `other`'s reloads (a failed pass, to be retried).
    pub(super) fn merge(&mut self, other: Pending) {
        self.everything |= other.everything;
        self.tenants.extend(other.tenants);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> Hostname {
        Hostname::parse(name).unwrap_or_else(|e| unreachable!("{name}: {e}"))
    }

    fn rows(pairs: &[(&str, i64)]) -> Vec<(String, TenantId)> {
        pairs
            .iter()
            .map(|(h, id)| (h.to_string(), TenantId::new(*id)))
            .collect()
    }

    #[test]
    fn a_targeted_reload_replaces_only_that_tenants_hosts() {
        let mut map = HostMap::from_rows(rows(&[("a.localhost", 1), ("b.localhost", 2)]));
        map.reload(&[TenantId::new(1)], rows(&[("a2.localhost", 1)]));
        assert_eq!(map.tenant_of(&host("a.localhost")), None);
        assert_eq!(map.tenant_of(&host("a2.localhost")), Some(TenantId::new(1)));
        assert_eq!(map.tenant_of(&host("b.localhost")), Some(TenantId::new(2)));
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn a_host_moved_to_another_tenant_survives_the_old_tenants_reload() {
        let mut map = HostMap::from_rows(rows(&[("a.localhost", 1), ("x.example", 1)]));
        // The new owner is reloaded first, then the old one.
        map.reload(&[TenantId::new(2)], rows(&[("x.example", 2)]));
        map.reload(&[TenantId::new(1)], rows(&[("a.localhost", 1)]));
        assert_eq!(map.tenant_of(&host("x.example")), Some(TenantId::new(2)));
        assert_eq!(map.tenant_of(&host("a.localhost")), Some(TenantId::new(1)));
    }

    #[test]
    fn a_deleted_tenant_leaves_nothing() {
        let mut map = HostMap::from_rows(rows(&[("a.localhost", 1), ("b.localhost", 2)]));
        map.reload(&[TenantId::new(1)], Vec::new());
        assert_eq!(map.tenant_of(&host("a.localhost")), None);
        assert_eq!(map.len(), 1);
    }
}
