//! `[deletion]`: how long a deleted tenant can be restored before the
//! purge job removes its schema, role and files.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DeletionConfig {
    /// Days between a tenant's deletion and its purge (0: at the next run).
    pub grace_days: u32,
    /// Seconds between two runs of the purge job.
    pub purge_interval_secs: u64,
}

impl Default for DeletionConfig {
    fn default() -> Self {
        Self {
            grace_days: 30,
            purge_interval_secs: 3600,
        }
    }
}

impl DeletionConfig {
    pub fn grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.grace_days) * 86_400)
    }

    pub fn purge_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.purge_interval_secs.max(1))
    }
}
