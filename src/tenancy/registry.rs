//! Reads of the platform's tenant tables (`platform.tenants`, `platform.domains`,
//! `platform.tenant_schemas`). Writes live in [`super::provision`].

use std::sync::LazyLock;

use serde::Serialize;

use super::{Hostname, Slug, Tenant, TenantStatus};
use crate::db::Platform;
use crate::db::migrate::MigrationSet;
use crate::model::Branding;
use crate::model::TenantId;
use crate::model::{SchemaState, SchemaStatus};

/// The tenant migration this binary's queries are written against.
static REQUIRED_SCHEMA_VERSION: LazyLock<i64> = LazyLock::new(|| MigrationSet::tenant().latest());

struct TenantRow {
    id: i64,
    version: i64,
    slug: String,
    name: String,
    status: String,
    status_reason: Option<String>,
    locale: String,
    theme: String,
    brand: serde_json::Value,
    default_host: String,
    primary_host: Option<String>,
    schema_status: Option<String>,
    schema_version: Option<i64>,
    remote_node: Option<String>,
    read_only: bool,
}

/// Rows are read leniently: the write-time rules (reserved slugs, strict
/// brand fields) are not applied again, so that a rule added later does
/// not make an existing tenant unreadable. Only what the request path
/// cannot do without (a well-formed slug and host) is required.
impl TryFrom<TenantRow> for Tenant {
    type Error = sqlx::Error;

    fn try_from(row: TenantRow) -> Result<Self, Self::Error> {
        let corrupt =
            |what: &str| sqlx::Error::Decode(format!("tenant {}: bad {what}", row.id).into());
        let brand = Branding::from_stored(TenantId::new(row.id), row.brand);
        Ok(Tenant {
            id: TenantId::new(row.id),
            version: row.version,
            slug: Slug::from_db(&row.slug).map_err(|_| corrupt("slug"))?,
            name: row.name,
            status: TenantStatus::from_column(&row.status),
            status_reason: row.status_reason,
            locale: row.locale,
            theme: row.theme,
            brand_css: brand.css_variables(),
            brand,
            default_host: Hostname::parse(&row.default_host).map_err(|_| corrupt("host"))?,
            primary_host: row.primary_host.and_then(|h| Hostname::parse(&h).ok()),
            schema_state: schema_state(row.schema_status.as_deref(), row.schema_version),
            node: row.remote_node,
            read_only: row.read_only,
        })
    }
}

fn schema_state(status: Option<&str>, version: Option<i64>) -> SchemaState {
    let version = version.unwrap_or(0);
    SchemaState {
        status: SchemaStatus::from_columns(status, version, *REQUIRED_SCHEMA_VERSION),
        version,
    }
}

/// The tenant `host` belongs to, if any.
pub async fn find_by_host(pool: &Platform, host: &Hostname) -> Result<Option<Tenant>, sqlx::Error> {
    let row = sqlx::query_as!(
        TenantRow,
        r#"SELECT t.id, t.version, t.slug, t.name, t.status, t.status_reason, t.locale, t.theme, t.brand,
                  d.hostname AS default_host, p.hostname AS "primary_host?",
                  COALESCE(s.status, r.status) AS "schema_status?",
                  COALESCE(s.version, r.version) AS "schema_version?",
                  r.node AS "remote_node?", t.read_only
           FROM platform.domains AS h
           JOIN platform.tenants AS t ON t.id = h.tenant_id
           JOIN platform.domains AS d ON d.tenant_id = t.id AND d.kind = 'default'
           LEFT JOIN platform.domain_claims AS p ON p.tenant_id = t.id AND p.is_primary
           LEFT JOIN platform.tenant_schemas AS s ON s.tenant_id = t.id
           LEFT JOIN platform.remote_schemas AS r ON r.tenant_id = t.id
           WHERE h.hostname = $1"#,
        host.as_str()
    )
    .fetch_optional(pool)
    .await?;
    row.map(Tenant::try_from).transpose()
}

/// The tenant with this id, if any: how the resolver loads a tenant row
/// once its in-memory host map named it.
pub async fn find_by_id(pool: &Platform, id: TenantId) -> Result<Option<Tenant>, sqlx::Error> {
    let row = sqlx::query_as!(
        TenantRow,
        r#"SELECT t.id, t.version, t.slug, t.name, t.status, t.status_reason, t.locale, t.theme, t.brand,
                  d.hostname AS default_host, p.hostname AS "primary_host?",
                  COALESCE(s.status, r.status) AS "schema_status?",
                  COALESCE(s.version, r.version) AS "schema_version?",
                  r.node AS "remote_node?", t.read_only
           FROM platform.tenants AS t
           JOIN platform.domains AS d ON d.tenant_id = t.id AND d.kind = 'default'
           LEFT JOIN platform.domain_claims AS p ON p.tenant_id = t.id AND p.is_primary
           LEFT JOIN platform.tenant_schemas AS s ON s.tenant_id = t.id
           LEFT JOIN platform.remote_schemas AS r ON r.tenant_id = t.id
           WHERE t.id = $1"#,
        id.get()
    )
    .fetch_optional(pool)
    .await?;
    row.map(Tenant::try_from).transpose()
}

/// Every (hostname, tenant id) of the platform.
pub async fn all_hosts(pool: &Platform) -> Result<Vec<(String, TenantId)>, sqlx::Error> {
    let rows = sqlx::query!("SELECT hostname, tenant_id FROM platform.domains")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.hostname, TenantId::new(r.tenant_id)))
        .collect())
}

/// The (hostname, tenant id) of these tenants only.
pub async fn hosts_of(
    pool: &Platform,
    tenant_ids: &[TenantId],
) -> Result<Vec<(String, TenantId)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT hostname, tenant_id FROM platform.domains WHERE tenant_id = ANY($1)",
        &tenant_ids.iter().map(|id| id.get()).collect::<Vec<_>>()
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.hostname, TenantId::new(r.tenant_id)))
        .collect())
}

/// The tenant with this slug, if any (the CLI, manifests, tests): its id,
/// then the same read as [`find_by_id`].
pub async fn find_by_slug(pool: &Platform, slug: &Slug) -> Result<Option<Tenant>, sqlx::Error> {
    let id = sqlx::query_scalar!(
        "SELECT id FROM platform.tenants WHERE slug = $1",
        slug.as_str()
    )
    .fetch_optional(pool)
    .await?;
    match id {
        Some(id) => find_by_id(pool, TenantId::new(id)).await,
        None => Ok(None),
    }
}

/// A line of `tessera tenant list`.
#[derive(Debug, Clone, Serialize)]
pub struct TenantSummary {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub schema_status: Option<String>,
    pub schema_version: Option<i64>,
    /// The node holding the schema (`primary`, or a `[[db.nodes]]` name).
    pub node: String,
    pub hosts: Vec<String>,
}

pub async fn list(pool: &Platform) -> Result<Vec<TenantSummary>, sqlx::Error> {
    sqlx::query_as!(
        TenantSummary,
        r#"SELECT t.id, t.slug, t.name, t.status,
                  COALESCE(s.status, r.status) AS "schema_status?",
                  COALESCE(s.version, r.version) AS "schema_version?",
                  COALESCE(r.node, 'primary') AS "node!",
                  array(SELECT hostname FROM platform.domains d WHERE d.tenant_id = t.id
                        ORDER BY d.kind = 'default' DESC, d.hostname) AS "hosts!"
           FROM platform.tenants AS t
           LEFT JOIN platform.tenant_schemas AS s ON s.tenant_id = t.id
           LEFT JOIN platform.remote_schemas AS r ON r.tenant_id = t.id
           ORDER BY t.slug"#
    )
    .fetch_all(pool)
    .await
}

/// The custom (non-default) hostnames of a tenant.
pub async fn custom_domains(
    pool: &Platform,
    tenant_id: TenantId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT hostname FROM platform.domains WHERE tenant_id = $1 AND kind = 'custom'
         ORDER BY hostname",
        tenant_id.get()
    )
    .fetch_all(pool)
    .await
}

/// Schema registry details for `tessera tenant show`.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaInfo {
    pub schema_name: String,
    pub version: i64,
    pub status: String,
    pub node: String,
    pub last_error: Option<String>,
}

pub async fn schema_info(
    pool: &Platform,
    tenant_id: TenantId,
) -> Result<Option<SchemaInfo>, sqlx::Error> {
    sqlx::query_as!(
        SchemaInfo,
        "SELECT schema_name, version, status, node, last_error
         FROM platform.tenant_schemas WHERE tenant_id = $1",
        tenant_id.get()
    )
    .fetch_optional(pool)
    .await
}
