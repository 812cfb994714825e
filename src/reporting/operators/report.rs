//! The operators' platform report, from the platform's tables only:
//! tenants (status, growth, churn), the latest figures each tenant
//! published (members, money per month, the largest), where the tenant
//! schemas stand against the latest migration, and the job queue's health.
//! No tenant schema is read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Platform;

/// A count under a label (a status, a month `YYYY-MM`, a version).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Count {
    pub key: String,
    pub count: i64,
}

/// Money under a month (`YYYY-MM`) or a tenant, in minor units.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Money {
    pub key: String,
    pub currency: String,
    pub minor: i64,
}

/// One tenant's latest published figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TenantFigures {
    pub slug: String,
    pub name: String,
    pub status: String,
    pub day: NaiveDate,
    pub members: i64,
    pub licences: i64,
    pub new_members: i64,
    pub lapsed: i64,
    pub payments: i64,
    /// Received this season, `CUR:minor` per currency, `;`-separated.
    pub season_collected: String,
    pub schema_version: i64,
    pub published_at: DateTime<Utc>,
}

/// Job queue health.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobHealth {
    pub pending: i64,
    pub running: i64,
    /// Waiting for another attempt.
    pub failed: i64,
    pub dead: i64,
    pub done_recently: i64,
    /// Seconds the oldest due job has waited (0: none waiting).
    pub oldest_waiting_s: i64,
}

/// Where tenant schemas stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Migrations {
    /// The latest tenant migration this binary knows.
    pub latest: i64,
    /// Tenant schemas per version.
    pub versions: Vec<Count>,
    /// Tenant schemas per status (`ready`, `quarantined`).
    pub statuses: Vec<Count>,
    /// Ready schemas behind the latest version.
    pub behind: i64,
}

/// The whole report (`GET /api/v1/platform/reports`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub tenants_by_status: Vec<Count>,
    /// Tenants created per month, the last twelve months.
    pub created_per_month: Vec<Count>,
    /// Tenants deleted per month, the last twelve months.
    pub deleted_per_month: Vec<Count>,
    /// Sums of each tenant's latest published figures.
    pub members: i64,
    pub licences: i64,
    pub new_members: i64,
    pub lapsed: i64,
    /// Tenants that have published at least once.
    pub publishing_tenants: i64,
    pub collected_per_month: Vec<Money>,
    /// The ten largest tenants by licences.
    pub largest_by_licences: Vec<Count>,
    /// The ten largest tenant × currency by money of the last twelve months.
    pub largest_by_money: Vec<Money>,
    pub migrations: Migrations,
    pub jobs: JobHealth,
}

// Queries over published figures read `platform.latest_figures`: each live
// tenant's latest row (migration 0091).

pub async fn report(platform: &Platform) -> Result<Report, sqlx::Error> {
    let totals = sqlx::query!(
        r#"SELECT coalesce(sum(members), 0)::bigint AS "members!",
                      coalesce(sum(licences), 0)::bigint AS "licences!",
                      coalesce(sum(new_members), 0)::bigint AS "new_members!",
                      coalesce(sum(lapsed), 0)::bigint AS "lapsed!",
                      count(*) AS "tenants!"
               FROM platform.latest_figures latest"#
    )
    .fetch_one(platform)
    .await?;
    Ok(Report {
        tenants_by_status: counts(platform, "status").await?,
        created_per_month: counts(platform, "created").await?,
        deleted_per_month: counts(platform, "deleted").await?,
        members: totals.members,
        licences: totals.licences,
        new_members: totals.new_members,
        lapsed: totals.lapsed,
        publishing_tenants: totals.tenants,
        collected_per_month: per_month(platform).await?,
        largest_by_licences: largest(platform).await?,
        largest_by_money: richest(platform).await?,
        migrations: migrations(platform).await?,
        jobs: jobs(platform).await?,
    })
}

/// Tenants counted by status, or per month of creation or deletion.
async fn counts(platform: &Platform, by: &str) -> Result<Vec<Count>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Count,
        r#"SELECT k AS "key!", count(*) AS "count!" FROM (
               SELECT CASE $1
                        WHEN 'status' THEN status
                        WHEN 'created' THEN to_char(date_trunc('month', created_at), 'YYYY-MM')
                        ELSE to_char(date_trunc('month', deleted_at), 'YYYY-MM') END AS k,
                      CASE $1
                        WHEN 'status' THEN now()
                        WHEN 'created' THEN created_at
                        ELSE deleted_at END AS at
               FROM platform.tenants) t
           WHERE k IS NOT NULL AND at >= date_trunc('month', now()) - interval '11 months'
           GROUP BY k ORDER BY k"#,
        by
    )
    .fetch_all(platform)
    .await?;
    Ok(rows)
}

async fn per_month(platform: &Platform) -> Result<Vec<Money>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Money,
        r#"SELECT m.month AS "key!", m.currency AS "currency!", sum(m.minor)::bigint AS "minor!"
               FROM platform.latest_figures latest, jsonb_to_recordset(latest.monthly) AS m(month text, currency text, minor bigint)
               WHERE m.month >= to_char(date_trunc('month', now()) - interval '11 months', 'YYYY-MM')
               GROUP BY 1, 2 ORDER BY 1, 2"#
    )
    .fetch_all(platform)
    .await?;
    Ok(rows)
}

async fn largest(platform: &Platform) -> Result<Vec<Count>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Count,
        r#"SELECT slug AS "key!", licences AS "count!" FROM platform.latest_figures latest
               ORDER BY licences DESC, slug LIMIT 10"#
    )
    .fetch_all(platform)
    .await?;
    Ok(rows)
}

async fn richest(platform: &Platform) -> Result<Vec<Money>, sqlx::Error> {
    let rows = sqlx::query_as!(
        Money,
        r#"SELECT slug AS "key!", m.currency AS "currency!", sum(m.minor)::bigint AS "minor!"
               FROM platform.latest_figures latest, jsonb_to_recordset(latest.monthly) AS m(month text, currency text, minor bigint)
               GROUP BY slug, m.currency ORDER BY 3 DESC, 1 LIMIT 10"#
    )
    .fetch_all(platform)
    .await?;
    Ok(rows)
}

async fn migrations(platform: &Platform) -> Result<Migrations, sqlx::Error> {
    let latest = crate::db::migrate::MigrationSet::tenant().latest();
    let rows = sqlx::query!(
        r#"SELECT version, status, count(*) AS "count!",
                  count(*) FILTER (WHERE status = 'ready' AND version < $1) AS "behind!"
           FROM platform.tenant_schemas WHERE tenant_id IS NOT NULL
           GROUP BY version, status ORDER BY version, status"#,
        latest
    )
    .fetch_all(platform)
    .await?;
    let mut versions: Vec<Count> = Vec::new();
    let mut statuses: Vec<Count> = Vec::new();
    let mut behind = 0;
    for row in rows {
        behind += row.behind;
        add(&mut versions, row.version.to_string(), row.count);
        add(&mut statuses, row.status, row.count);
    }
    statuses.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(Migrations {
        latest,
        versions,
        statuses,
        behind,
    })
}

fn add(counts: &mut Vec<Count>, key: String, count: i64) {
    match counts.iter_mut().find(|c| c.key == key) {
        Some(found) => found.count += count,
        None => counts.push(Count { key, count }),
    }
}

async fn jobs(platform: &Platform) -> Result<JobHealth, sqlx::Error> {
    let counts = crate::jobs::overview::counts(platform).await?;
    let oldest = sqlx::query_scalar!(
        r#"SELECT coalesce(extract(epoch FROM now() - min(run_at)), 0)::bigint AS "s!"
           FROM platform.jobs WHERE state = 'pending' AND run_at <= now()"#
    )
    .fetch_one(platform)
    .await?;
    Ok(JobHealth {
        pending: counts.pending,
        running: counts.running,
        failed: counts.failed,
        dead: counts.dead,
        done_recently: counts.done_recently,
        oldest_waiting_s: oldest,
    })
}

/// Every tenant's latest figures, by slug (the CSV).
pub async fn tenants(platform: &Platform) -> Result<Vec<TenantFigures>, sqlx::Error> {
    sqlx::query_as!(
        TenantFigures,
        r#"SELECT slug AS "slug!", name AS "name!", status AS "status!", day AS "day!",
                      members AS "members!", licences AS "licences!", new_members AS "new_members!",
                      lapsed AS "lapsed!", payments AS "payments!",
                      coalesce((SELECT string_agg(c.currency || ':' || c.season_minor, ';' ORDER BY c.currency)
                                FROM jsonb_to_recordset(latest.collected)
                                     AS c(currency text, season_minor bigint)), '') AS "season_collected!",
                      schema_version AS "schema_version!", published_at AS "published_at!"
               FROM platform.latest_figures latest ORDER BY slug"#
    )
    .fetch_all(platform)
    .await
}
