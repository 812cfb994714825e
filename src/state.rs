//! `AppState`: what every handler may reach, cheap to clone.

use std::sync::Arc;

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::Notify;

use crate::config::Config;
use crate::db::Database;
use crate::tenancy::Resolver;
use crate::tenancy::provision::Provisioner;
use crate::themes::Themes;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Database,
    pub resolver: Resolver,
    pub themes: Themes,
    pub provisioner: Provisioner,
    pub metrics: PrometheusHandle,
    /// Wakes the warm-pool refiller after a tenant took a spare.
    pub warm_pool_wake: Arc<Notify>,
}

impl FromRef<AppState> for Database {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}
