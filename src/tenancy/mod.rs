//! Tenancy: which association a request is for, and the lifecycle of tenants.
//!
//! - [`Hostname`], [`Slug`], [`SchemaName`]: validated names.
//! - [`resolve`]: Host → tenant, cached, kept coherent by [`listen`].
//! - [`provision`], [`warm_pool`], [`manifest`]: creating and changing tenants.
//! - [`registry`]: reads of the platform's tenant tables.
//! - [`site`]: the middleware that routes a request to the platform or a tenant.

mod domains;
mod hostname;
pub mod listen;
pub mod manifest;
mod model;
pub mod provision;
pub mod registry;
pub mod resolve;
mod schema;
pub mod site;
mod slug;
pub mod warm_pool;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

pub use hostname::{Hostname, HostnameError};
pub use model::{SchemaState, SchemaStatus, Tenant, TenantStatus};
pub use resolve::{Resolver, Site};
pub use schema::SchemaName;
pub use slug::{Slug, SlugError};

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
