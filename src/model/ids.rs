//! Typed ids, so that a tenant id cannot be passed where another id is meant.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The id of a tenant (`platform.tenants.id`). Ids are identity values and
/// never reused, so anything keyed by one (a cache entry, a schema, a role)
/// can only ever belong to that tenant.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct TenantId(i64);

impl TenantId {
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }

    /// The number itself, for SQL parameters and names built from it.
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for TenantId {
    type Err = std::num::ParseIntError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        raw.parse().map(Self)
    }
}
