//! What a scrape of `/metrics` reads at that moment, besides the counters
//! kept as requests go: the pools, and from the platform tables the job
//! backlog, migrations pending, quarantined schemas and certificates.
//! Each figure costs one small aggregate query; one that fails or is slow
//! leaves its gauges at their last value (a scrape never fails for it).

use std::time::Duration;

use chrono::Utc;

use crate::db::Database;
use crate::db::migrate::{self, MigrationSet};

/// A scrape waits this long for the database, at most, per query.
const QUERY_BUDGET: Duration = Duration::from_secs(2);

pub async fn refresh(db: &Database) {
    pools(db);
    let platform = db.platform();
    if let Ok(Ok(counts)) =
        tokio::time::timeout(QUERY_BUDGET, crate::jobs::overview::counts(platform)).await
    {
        for (state, count) in [
            ("pending", counts.pending),
            ("running", counts.running),
            ("retrying", counts.failed),
            ("dead", counts.dead),
        ] {
            metrics::gauge!("tessera_jobs", "state" => state).set(count as f64);
        }
    }
    let (platform_set, tenant_set) = (MigrationSet::platform(), MigrationSet::tenant());
    let status = migrate::status::status(platform, &platform_set, &tenant_set);
    if let Ok(Ok(status)) = tokio::time::timeout(QUERY_BUDGET, status).await {
        let (platform_pending, tenant_pending) = status.pending();
        metrics::gauge!("tessera_migrations_pending", "kind" => "platform")
            .set(platform_pending as f64);
        metrics::gauge!("tessera_migrations_pending", "kind" => "tenant")
            .set(tenant_pending as f64);
        metrics::gauge!("tessera_tenants_quarantined").set(status.quarantined as f64);
    }
    let certificates = crate::tls::store::summary(platform);
    if let Ok(Ok(summary)) = tokio::time::timeout(QUERY_BUDGET, certificates).await {
        for (status, count) in [
            ("valid", summary.valid),
            ("pending", summary.pending),
            ("failing", summary.failing),
        ] {
            metrics::gauge!("tessera_certificates", "status" => status).set(count as f64);
        }
        // None served: nothing can expire (a large value keeps alerts quiet).
        let seconds = summary
            .soonest_end
            .map_or(f64::INFINITY, |end| (end - Utc::now()).num_seconds() as f64);
        metrics::gauge!("tessera_certificate_soonest_expiry_seconds").set(seconds);
    }
}

fn pools(db: &Database) {
    let (open, idle) = db.platform_connections();
    metrics::gauge!("tessera_db_platform_connections").set(open as f64);
    metrics::gauge!("tessera_db_platform_idle_connections").set(idle as f64);
    let (open, idle, max) = db.tenant_connections();
    metrics::gauge!("tessera_db_tenant_connections").set(f64::from(open));
    metrics::gauge!("tessera_db_tenant_idle_connections").set(idle as f64);
    metrics::gauge!("tessera_db_tenant_max_connections").set(f64::from(max));
}
