//! `[notifications]`: Web Push delivery.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationsConfig {
    /// Accept `http://127.0.0.1:<port>/…` and `http://[::1]:<port>/…` push
    /// endpoints. For tests only: in production a member's subscription
    /// must name an `https` push service on a public address, so that it
    /// cannot make the server POST into its own network.
    pub allow_loopback_push: bool,
    /// The VAPID contact (`mailto:…` or `https://…`) push services may use
    /// to reach the operator. Unset: the association's portal address.
    pub vapid_contact: Option<String>,
    /// Seconds one push request may take (connection included).
    pub push_timeout_secs: u64,
    /// Push requests in flight at once per job.
    pub push_concurrency: usize,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        Self {
            allow_loopback_push: false,
            vapid_contact: None,
            push_timeout_secs: 10,
            push_concurrency: 8,
        }
    }
}
