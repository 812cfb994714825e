//! `Tenant`: an association hosted on the platform, as every request sees it,
//! with the state of its schema (whether it can serve requests at all).

use std::fmt;

use serde::Serialize;

use super::{Branding, Hostname, SchemaName, Slug, TenantId};

#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    /// Bumped by the database on every change of the tenant row (trigger in
    /// `migrations/platform/0020_tenant_version.sql`): anything derived from
    /// the row, such as a cached page, is keyed by it.
    pub version: i64,
    pub slug: Slug,
    pub name: String,
    pub status: TenantStatus,
    /// Why an operator suspended the tenant, shown on its 503 page.
    pub status_reason: Option<String>,
    pub locale: String,
    pub theme: String,
    pub brand: Branding,
    /// `brand` as CSS custom properties, computed once when the tenant is loaded.
    pub brand_css: String,
    /// `<slug>.<base domain>`, always present.
    pub default_host: Hostname,
    /// The custom domain the tenant's other hosts redirect to, if it chose one.
    pub primary_host: Option<Hostname>,
    pub schema_state: SchemaState,
    /// The `[[db.nodes]]` entry holding the schema; `None`: the primary.
    pub node: Option<String>,
    /// True while the tenant moves to another node: its transactions are
    /// read-only, so a write is refused rather than lost.
    pub read_only: bool,
}

impl Tenant {
    /// The host links and redirects use: the primary domain, else the default host.
    pub fn canonical_host(&self) -> &Hostname {
        self.primary_host.as_ref().unwrap_or(&self.default_host)
    }

    pub fn schema(&self) -> SchemaName {
        SchemaName::for_tenant(self.id)
    }

    /// Whether the tenant's schema has every migration this binary expects
    /// and is not quarantined. Serving a schema of another shape fails
    /// query by query (500s, "cached plan must not change result type").
    pub fn is_servable(&self) -> bool {
        self.schema_state.status == SchemaStatus::Ready
    }
}

/// The tenant's row in `platform.tenant_schemas`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SchemaState {
    pub status: SchemaStatus,
    /// The last tenant migration applied.
    pub version: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SchemaStatus {
    /// Migrated up to what this binary expects (or beyond).
    Ready,
    /// Ready, but missing migrations this binary's queries rely on.
    Behind,
    Quarantined,
    /// No registry row, or a status this binary does not know: not served.
    Unknown,
}

impl SchemaStatus {
    /// Reads the registry's `status` and `version` against `required`, the
    /// tenant migration this binary is written against.
    pub fn from_columns(raw: Option<&str>, version: i64, required: i64) -> Self {
        match raw {
            Some("ready") if version >= required => Self::Ready,
            Some("ready") => Self::Behind,
            Some("quarantined") => Self::Quarantined,
            _ => Self::Unknown,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
    /// Deleted and waiting for its purge: its hosts answer 410, its slug and
    /// domains stay reserved until then, and an operator may restore it.
    Deleted,
}

impl TenantStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
        }
    }

    /// Reads the `status` column; anything unexpected counts as suspended,
    /// which fails closed.
    pub fn from_column(raw: &str) -> Self {
        match raw {
            "active" => Self::Active,
            "deleted" => Self::Deleted,
            _ => Self::Suspended,
        }
    }
}

impl fmt::Display for TenantStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
