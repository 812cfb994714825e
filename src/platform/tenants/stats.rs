//! Platform-wide counts for the dashboard and `GET /api/v1/platform/stats`.

use serde::Serialize;
use utoipa::ToSchema;

use super::Tenants;
use super::totals::Totals;
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlatformStats {
    pub tenants: i64,
    pub active: i64,
    pub suspended: i64,
    pub created_last_30_days: i64,
    /// Tenants created per month, oldest first (the last twelve months).
    pub growth: Vec<MonthCount>,
    /// Members and contributions collected, across tenants (refreshed
    /// every few minutes).
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthCount {
    /// `YYYY-MM`.
    pub month: String,
    pub created: i64,
}

impl Tenants {
    pub async fn stats(&self) -> Result<PlatformStats, AppError> {
        let counts = sqlx::query!(
            r#"SELECT count(*) AS "tenants!",
                      count(*) FILTER (WHERE status = 'active') AS "active!",
                      count(*) FILTER (WHERE status = 'suspended') AS "suspended!",
                      count(*) FILTER (WHERE created_at > now() - interval '30 days') AS "recent!"
               FROM platform.tenants"#
        )
        .fetch_one(&self.pool)
        .await?;
        let growth = sqlx::query_as!(
            MonthCount,
            r#"SELECT to_char(m, 'YYYY-MM') AS "month!",
                      (SELECT count(*) FROM platform.tenants
                       WHERE date_trunc('month', created_at) = m) AS "created!"
               FROM generate_series(date_trunc('month', now()) - interval '11 months',
                                    date_trunc('month', now()), interval '1 month') AS m
               ORDER BY m"#
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(PlatformStats {
            tenants: counts.tenants,
            active: counts.active,
            suspended: counts.suspended,
            created_last_30_days: counts.recent,
            growth,
            totals: self.totals.get(&self.db).await?,
        })
    }
}
