//! Tenancy: which association a request is for, and the lifecycle of tenants.
//!
//! - [`Hostname`], [`Slug`], [`SchemaName`]: validated names.
//! - [`resolve`]: Host → tenant, cached, kept coherent by [`listen`].
//! - [`provision`], [`warm_pool`]: creating and changing tenants.
//! - [`registry`]: reads of the platform's tenant tables.
//! - [`nodes`]: tenant schemas on other PostgreSQL servers.
//! - [`claims`]: custom domains, claimed and proven before they route.
//! - [`audit`]: the platform audit log.

pub mod audit;
pub mod claims;
mod domains;
pub mod listen;
pub mod nodes;
pub mod provision;
pub mod registry;
pub mod resolve;
pub mod warm_pool;

pub use crate::model::{
    Hostname, HostnameError, SchemaName, SchemaState, SchemaStatus, Slug, SlugError, Tenant,
    TenantId, TenantStatus,
};
pub use resolve::{Resolver, Site};
