//! `[stripe]`: how Tessera talks to Stripe. Associations bring their own
//! keys (entered on their treasury page, sealed in their schema): nothing
//! here holds anyone's money — with Stripe Connect, the platform's key acts
//! on each association's own connected account.

use secrecy::SecretString;
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
    /// Stripe Connect: the platform's secret key, used on behalf of the
    /// associations' connected accounts (`tessera tenant stripe-account`).
    #[serde(default, skip_serializing)]
    pub connect_secret_key: Option<SecretString>,
    /// The signing secret of the platform's Connect endpoint,
    /// `https://<platform host>/api/v1/webhooks/stripe`.
    #[serde(default, skip_serializing)]
    pub connect_webhook_secret: Option<SecretString>,
}

impl Default for StripeConfig {
    fn default() -> Self {
        Self {
            api_base: "https://api.stripe.com".into(),
            allow_http: false,
            timeout_secs: 20,
            signature_tolerance_secs: 300,
            connect_secret_key: None,
            connect_webhook_secret: None,
        }
    }
}
