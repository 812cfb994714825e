//! `Tenant`: an association hosted on the platform, as every request sees it.

use std::fmt;

use serde::Serialize;

use super::{Hostname, SchemaName, Slug};
use crate::themes::Branding;

#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: i64,
    pub slug: Slug,
    pub name: String,
    pub status: TenantStatus,
    pub locale: String,
    pub theme: String,
    pub brand: Branding,
    /// `brand` as CSS custom properties, computed once when the tenant is loaded.
    pub brand_css: String,
    /// `<slug>.<base domain>`, always present.
    pub default_host: Hostname,
}

impl Tenant {
    pub fn schema(&self) -> SchemaName {
        SchemaName::for_tenant(self.id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }

    /// Reads the `status` column; anything unexpected counts as suspended,
    /// which fails closed.
    pub fn from_column(raw: &str) -> Self {
        match raw {
            "active" => Self::Active,
            _ => Self::Suspended,
        }
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
