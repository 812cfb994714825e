//! `TenantTx`: the only way a handler reaches tenant data.
//!
//! Extracting it opens a transaction on the request's tenant whose first
//! statement sets `search_path` local to that transaction: it cannot outlive
//! the transaction, leak to the next user of the pooled connection, or break
//! behind a transaction-mode pgbouncer. There is no fallback schema in the path,
//! so an unqualified name can only ever mean the tenant's own table.
//!
//! Handlers call [`TenantTx::commit`] when they are done; a transaction that
//! is dropped (an early `?`, a panic) rolls back.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::error::AppError;
use crate::state::AppState;
use crate::tenancy::{CurrentTenant, Tenant};

pub struct TenantTx {
    tx: Transaction<'static, Postgres>,
    tenant: Arc<Tenant>,
}

impl TenantTx {
    /// Opens a transaction on `tenant`'s schema outside of a request (jobs,
    /// CLI, seeding).
    pub async fn begin(db: &super::Database, tenant: Arc<Tenant>) -> Result<Self, sqlx::Error> {
        let tx = db.begin_tenant(&tenant).await?;
        Ok(Self { tx, tenant })
    }

    pub fn tenant(&self) -> &Arc<Tenant> {
        &self.tenant
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl Deref for TenantTx {
    type Target = PgConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl DerefMut for TenantTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

impl FromRequestParts<AppState> for TenantTx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentTenant(tenant) = CurrentTenant::from_request_parts(parts, state).await?;
        Ok(Self::begin(&state.db, tenant).await?)
    }
}
