//! The two worlds credentials belong to: one tenant's portal, or the
//! platform's console. Each has its own cookies, CSRF label, throttling keys
//! and token prefix, so a credential of one is never even looked up in the
//! other.

use std::fmt;

use crate::model::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Realm {
    Tenant(TenantId),
    Platform,
}

impl fmt::Display for Realm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tenant(id) => write!(f, "t{id}"),
            Self::Platform => f.write_str("platform"),
        }
    }
}
