//! `[reporting]`: limits of the reporting module (live figures' streams).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportingConfig {
    /// Live-figure streams (`/dashboard/stream`) one tenant may hold open
    /// on one instance; one more is refused with 429.
    pub streams_per_tenant: usize,
    /// Live-figure streams one instance holds open, all tenants together;
    /// one more is refused with 503. Each stream is a connection and a
    /// little memory, so this bounds what a crowd of dashboards costs.
    pub streams_total: usize,
}

impl Default for ReportingConfig {
    fn default() -> Self {
        Self {
            streams_per_tenant: 50,
            streams_total: 5000,
        }
    }
}
