//! Platform-wide members and contributions collected (per month, per
//! currency), read across every ready tenant schema of every node. Reading thousands of
//! schemas costs a few hundred milliseconds, so the answer is kept for a
//! few minutes: the dashboard and `GET /api/v1/platform/stats` share it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::db::{Database, Platform};
use crate::model::{SchemaName, TenantId};

/// How long totals are reused.
const KEEP: Duration = Duration::from_secs(300);
/// Schemas read per query.
const CHUNK: usize = 200;

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Totals {
    /// Active accounts, all tenants together.
    pub members: i64,
    /// Paid contributions, net of refunds, per month of payment (last
    /// twelve months, oldest first), per currency.
    pub collected: Vec<MonthAmount>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthAmount {
    /// `YYYY-MM`.
    pub month: String,
    pub currency: String,
    /// In minor units (cents).
    pub minor: i64,
}

/// Totals, kept for [`KEEP`]. Cheap to clone.
#[derive(Clone, Default)]
pub struct TotalsCache(Arc<Mutex<Option<(Instant, Totals)>>>);

impl TotalsCache {
    pub async fn get(&self, db: &Database) -> Result<Totals, sqlx::Error> {
        if let Some((at, totals)) = self.0.lock().map(|held| held.clone()).unwrap_or_default()
            && at.elapsed() < KEEP
        {
            return Ok(totals);
        }
        let mut totals = Totals::default();
        let mut collected = BTreeMap::new();
        for name in db.node_names() {
            if let Some(owner) = db.node(name) {
                totals.members += read(owner, &mut collected).await?;
            }
        }
        totals.collected = collected
            .into_iter()
            .map(|((month, currency), minor)| MonthAmount {
                month,
                currency,
                minor,
            })
            .collect();
        if let Ok(mut held) = self.0.lock() {
            *held = Some((Instant::now(), totals.clone()));
        }
        Ok(totals)
    }
}

/// One node's schemas (its own registry lists them): adds the amounts to
/// `collected` and returns the members.
async fn read(
    pool: &Platform,
    collected: &mut BTreeMap<(String, String), i64>,
) -> Result<i64, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        "SELECT tenant_id AS \"id!\" FROM platform.tenant_schemas
         WHERE status = 'ready' AND tenant_id IS NOT NULL ORDER BY tenant_id"
    )
    .fetch_all(pool)
    .await?;
    let mut members = 0;
    for chunk in ids.chunks(CHUNK) {
        let sql = chunk
            .iter()
            .map(|id| branch(SchemaName::for_tenant(TenantId::new(*id))))
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        let sql = format!(
            "SELECT kind, month, currency, sum(n)::bigint AS n FROM ({sql}) AS t
             GROUP BY kind, month, currency"
        );
        for row in sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?
        {
            let (kind, n): (String, i64) = (row.try_get("kind")?, row.try_get("n")?);
            if kind == "members" {
                members += n;
            } else {
                let month: String = row.try_get("month")?;
                let currency: String = row.try_get("currency")?;
                *collected.entry((month, currency)).or_default() += n;
            }
        }
    }
    Ok(members)
}

/// One schema's members and payments of the last twelve months. Schema
/// names come from [`SchemaName`] (digits only): nothing else is spliced.
fn branch(schema: SchemaName) -> String {
    format!(
        "SELECT 'members' AS kind, '' AS month, '' AS currency, count(*) AS n
           FROM {schema}.accounts WHERE status = 'active'
         UNION ALL
         SELECT 'paid', to_char(date_trunc('month', paid_at), 'YYYY-MM'), currency,
                sum(amount_minor - refunded_minor)
           FROM {schema}.payments
          WHERE status IN ('paid', 'refunded') AND paid_at IS NOT NULL
            AND paid_at >= date_trunc('month', now()) - interval '11 months'
          GROUP BY 2, 3"
    )
}
