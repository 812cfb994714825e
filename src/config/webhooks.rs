//! `[webhooks]`: how associations' outgoing webhooks are sent.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhooksConfig {
    /// Accept `http://127.0.0.1:<port>/…` and `http://[::1]:<port>/…`
    /// endpoints. For tests only: in production an endpoint must be an
    /// `https` URL whose every address is public, so that an administrator
    /// cannot make the server POST into its own network.
    pub allow_loopback: bool,
    /// Seconds one delivery may take, connection included.
    pub timeout_secs: u64,
    /// An endpoint whose every attempt failed for this many days is
    /// disabled (and its administrators told so on its page).
    pub disable_after_days: u32,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            allow_loopback: false,
            timeout_secs: 10,
            disable_after_days: 5,
        }
    }
}
