//! The tenants list of the console and the API: filtered and paged in the
//! platform tables, then each listed tenant's members and last activity
//! read from its own schema in one statement (only for the page shown, so
//! the cost does not grow with the number of tenants).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa::{IntoParams, ToSchema};

use super::Tenants;
use crate::error::AppError;
use crate::model::{SchemaName, TenantId};
use crate::tenancy::audit::{self, LoggedAction};

#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
pub struct ListFilter {
    /// Part of a slug, name or hostname.
    pub q: Option<String>,
    /// `active`, `suspended` or `deleted`.
    pub status: Option<String>,
    /// 1 to 200 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page (tenants are listed by slug).
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantLine {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub theme: String,
    pub locale: String,
    pub created_at: DateTime<Utc>,
    /// When it was deleted (status `deleted`): it is purged after the grace period.
    pub deleted_at: Option<DateTime<Utc>>,
    /// The default host first.
    pub hosts: Vec<String>,
    /// `ready`, `quarantined` … (the schema registry).
    pub schema_status: Option<String>,
    pub schema_version: Option<i64>,
    /// The server holding the schema: `primary` or a `[[db.nodes]]` name.
    pub node: String,
    /// Active accounts, when the schema could be read.
    pub members: Option<i64>,
    /// The newest entry of the tenant's audit log.
    pub last_activity: Option<DateTime<Utc>>,
    /// Custom domains' certificates: `not_required` until TLS is managed.
    pub certificate: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantPage {
    pub items: Vec<TenantLine>,
    pub next_cursor: Option<String>,
}

/// One tenant with what the console's detail page shows.
#[derive(Debug, Clone, Serialize)]
pub struct TenantDetail {
    pub tenant: TenantLine,
    pub audit: Vec<LoggedAction>,
    pub schema_error: Option<String>,
}

impl Tenants {
    pub async fn list(&self, filter: &ListFilter) -> Result<TenantPage, AppError> {
        let limit = filter.limit.unwrap_or(50).clamp(1, 200);
        let status = match filter.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s @ ("active" | "suspended" | "deleted")) => Some(s.to_owned()),
            Some(_) => {
                return Err(AppError::Unprocessable(
                    "status: active, suspended or deleted".into(),
                ));
            }
        };
        let search = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
        let search: Option<String> = search.map(|q| q.chars().take(100).collect());
        let mut lines = self
            .lines(
                search.as_deref(),
                status.as_deref(),
                filter.cursor.as_deref(),
                None,
                limit + 1,
            )
            .await?;
        let next_cursor = match lines.len() as i64 > limit {
            true => {
                lines.truncate(limit as usize);
                lines.last().map(|l| l.slug.clone())
            }
            false => None,
        };
        self.add_activity(&mut lines).await?;
        Ok(TenantPage {
            items: lines,
            next_cursor,
        })
    }

    pub async fn detail(&self, slug: &str) -> Result<TenantDetail, AppError> {
        let mut lines = self.lines(None, None, None, Some(slug), 1).await?;
        self.add_activity(&mut lines).await?;
        let tenant = lines.pop().ok_or(AppError::NotFound)?;
        let mut conn = self.pool.acquire().await?;
        let id = TenantId::new(tenant.id);
        let audit = audit::latest(&mut conn, Some(id), None, 50).await?;
        let schema_error = sqlx::query_scalar!(
            "SELECT last_error FROM platform.tenant_schemas WHERE tenant_id = $1
             UNION ALL SELECT last_error FROM platform.remote_schemas WHERE tenant_id = $1",
            tenant.id
        )
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
        Ok(TenantDetail {
            tenant,
            audit,
            schema_error,
        })
    }

    async fn lines(
        &self,
        search: Option<&str>,
        status: Option<&str>,
        after: Option<&str>,
        slug: Option<&str>,
        limit: i64,
    ) -> Result<Vec<TenantLine>, sqlx::Error> {
        sqlx::query_as!(
            TenantLine,
            r#"SELECT t.id, t.slug, t.name, t.status, t.status_reason, t.theme, t.locale,
                      t.created_at, t.deleted_at,
                      array(SELECT hostname FROM platform.domains d WHERE d.tenant_id = t.id
                            ORDER BY d.kind = 'default' DESC, d.hostname) AS "hosts!",
                      COALESCE(s.status, r.status) AS "schema_status?",
                      COALESCE(s.version, r.version) AS "schema_version?",
                      COALESCE(r.node, 'primary') AS "node!",
                      NULL::bigint AS members, NULL::timestamptz AS last_activity,
                      'not_required' AS "certificate!"
               FROM platform.tenants AS t
               LEFT JOIN platform.tenant_schemas AS s ON s.tenant_id = t.id
               LEFT JOIN platform.remote_schemas AS r ON r.tenant_id = t.id
               WHERE ($1::text IS NULL
                      OR strpos(t.slug, lower($1)) > 0 OR strpos(lower(t.name), lower($1)) > 0
                      OR EXISTS (SELECT 1 FROM platform.domains d
                                 WHERE d.tenant_id = t.id AND strpos(d.hostname, lower($1)) > 0))
                 AND ($2::text IS NULL OR t.status = $2)
                 AND ($3::text IS NULL OR t.slug > $3)
                 AND ($4::text IS NULL OR t.slug = $4)
               ORDER BY t.slug LIMIT $5"#,
            search,
            status,
            after,
            slug,
            limit
        )
        .fetch_all(&self.pool)
        .await
    }

    /// Members and last activity of ready schemas, in one statement per
    /// node. The schema names are built from integer ids, never from input.
    async fn add_activity(&self, lines: &mut [TenantLine]) -> Result<(), sqlx::Error> {
        let nodes: std::collections::BTreeSet<String> =
            lines.iter().map(|l| l.node.clone()).collect();
        for node in nodes {
            let Some(owner) = self.db.node(&node) else {
                continue; // not configured here: nothing to read it with
            };
            let ready: Vec<String> = lines
                .iter()
                .filter(|l| l.node == node && l.schema_status.as_deref() == Some("ready"))
                .map(|l| activity_branch(l.id))
                .collect();
            if !ready.is_empty() {
                let sql = ready.join(" UNION ALL ");
                let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .fetch_all(owner)
                    .await?;
                fill_activity(lines, rows)?;
            }
        }
        Ok(())
    }
}

fn activity_branch(id: i64) -> String {
    let schema = SchemaName::for_tenant(TenantId::new(id));
    format!(
        "SELECT {id}::bigint AS id,
                (SELECT count(*) FROM {schema}.accounts WHERE status = 'active') AS members,
                (SELECT at FROM {schema}.audit_log ORDER BY id DESC LIMIT 1) AS last_activity"
    )
}

fn fill_activity(
    lines: &mut [TenantLine],
    rows: Vec<sqlx::postgres::PgRow>,
) -> Result<(), sqlx::Error> {
    for row in rows {
        let id: i64 = row.try_get("id")?;
        if let Some(line) = lines.iter_mut().find(|l| l.id == id) {
            line.members = row.try_get("members")?;
            line.last_activity = row.try_get("last_activity")?;
        }
    }
    Ok(())
}
