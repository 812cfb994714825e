//! Whose books a programme's rows are in. The tables are the same in every
//! tenant's schema and in `platform` (the operators' programme); the
//! queries name them unqualified and run on a connection whose
//! `search_path` is one or the other. A tenant's books are reached only
//! through its `TenantTx`, so one tenant never reads another's, and the
//! platform's books hold no tenant's members, only tenants.

use sqlx::{PgConnection, Postgres, Transaction};

use crate::crypto::Keyring;
use crate::db::TenantTx;

pub enum Books<'a> {
    Tenant(&'a mut TenantTx),
    /// A platform transaction whose `search_path` is `platform`
    /// (see [`Books::platform`]).
    Platform(&'a mut Transaction<'static, Postgres>),
}

impl<'a> Books<'a> {
    pub fn tenant(tx: &'a mut TenantTx) -> Self {
        Books::Tenant(tx)
    }

    /// The platform's books, in `tx`: its `search_path` becomes `platform`
    /// until it ends.
    pub async fn platform(tx: &'a mut Transaction<'static, Postgres>) -> Result<Self, sqlx::Error> {
        sqlx::query("SET LOCAL search_path = platform, pg_temp")
            .execute(&mut **tx)
            .await?;
        Ok(Books::Platform(tx))
    }

    pub async fn conn(&mut self) -> Result<&mut PgConnection, sqlx::Error> {
        match self {
            Books::Tenant(tx) => tx.conn().await,
            Books::Platform(tx) => Ok(&mut **tx),
        }
    }

    /// The keys that seal payees' IBANs in an association's books. The
    /// platform's books have none: their payees are associations, whose
    /// bank details are printed on their own receipts and are not a
    /// person's.
    pub fn keyring(&self) -> Option<&Keyring> {
        match self {
            Books::Tenant(tx) => Some(tx.keyring()),
            Books::Platform(_) => None,
        }
    }

    /// The tenant's transaction, for what only a tenant's books have
    /// (members, their payments, the audit log).
    pub fn tenant_tx(&mut self) -> Option<&mut TenantTx> {
        match self {
            Books::Tenant(tx) => Some(tx),
            Books::Platform(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    /// The platform's books are the associations' tables, not a look-alike:
    /// its migration holds the tenant migration verbatim.
    #[test]
    fn the_platform_books_have_the_tenant_tables_verbatim() {
        let tenant = include_str!("../../migrations/tenant/0014_affiliation.sql");
        let platform = include_str!("../../migrations/platform/0080_affiliation.sql");
        assert!(platform.contains(tenant));
        assert!(platform.contains("SET search_path = platform, pg_temp;"));
    }

    /// And every later change to those tables is made to both.
    #[test]
    fn the_platform_books_follow_the_tenant_tables_changes() {
        let tenant = include_str!("../../migrations/tenant/0023_sealed_columns.sql");
        let platform = include_str!("../../migrations/platform/0097_sealed_affiliation_ibans.sql");
        let changes: Vec<&str> = tenant
            .lines()
            .filter(|line| line.starts_with("ALTER TABLE aff_"))
            .collect();
        assert_eq!(changes.len(), 2);
        for change in changes {
            assert!(platform.contains(change), "{change}");
        }
    }
}
