//! Tenancy: which association a request is for, and the lifecycle of tenants.
//!
//! - [`Hostname`], [`Slug`], [`SchemaName`]: validated names.
//! - [`resolve`]: Host → tenant, cached, kept coherent by [`listen`].
//! - [`provision`], [`warm_pool`]: creating and changing tenants.
//! - [`registry`]: reads of the platform's tenant tables.
//! - [`site`]: the middleware that routes a request to the platform or a tenant.

mod domains;
pub mod listen;
pub mod provision;
pub mod registry;
pub mod resolve;
pub mod site;
pub mod warm_pool;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

pub use crate::model::{
    Hostname, HostnameError, SchemaName, SchemaState, SchemaStatus, Slug, SlugError, Tenant,
    TenantId, TenantStatus,
};
pub use resolve::{Resolver, Site};

use crate::error::AppError;

/// The tenant the request's host resolved to. Present on every request the
/// tenant router serves.
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub Arc<Tenant>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentTenant {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentTenant>()
            .cloned()
            .ok_or(AppError::NotFound)
    }
}
