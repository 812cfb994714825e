//! `[stripe]`: how Tessera talks to Stripe. Associations bring their own
//! keys (entered on their treasury page, sealed in their schema): nothing
//! here holds anyone's money.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StripeConfig {
    /// Where the API answers. Tests point it at a local Stripe server.
    pub api_base: String,
    /// Accept an `http://` `api_base` (a local test server only).
    pub allow_http: bool,
    /// Seconds one API call may take.
    pub timeout_secs: u64,
    /// A webhook signed longer ago than this is refused (replay window).
    pub signature_tolerance_secs: i64,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.stripe.com".into(),
            allow_http: false,
            timeout_secs: 20,
            signature_tolerance_secs: 300,
        }
    }
}
