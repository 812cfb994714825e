//! [`Webhooks`]: what the pages, the API and the delivery job share — the
//! key that seals each tenant's secrets, the `[webhooks]` settings and the
//! job queue's retry settings (to say when the next attempt is due). It
//! holds no pool and no HTTP client (the job builds its own, see
//! [`super::sender`]). Handlers take it as `State<Webhooks>`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::secret::{Secret, SecretError};
use crate::auth::Keys;
use crate::config::{Config, WebhooksConfig};
use crate::crypto::Keyring;
use crate::model::TenantId;

/// The key derivation's purpose: secrets of one tenant open with its key only.
const PURPOSE: &str = "webhooks.secret";
/// Authenticated with each sealed secret.
const CONTEXT: &str = "webhook-endpoint-secret";

/// What a secret is sealed for: the column and its tenant, so that a secret
/// copied into another association's row does not open there.
fn context(tenant: TenantId) -> String {
    format!("{CONTEXT}/{}", tenant.get())
}

/// Cheap to clone.
#[derive(Clone)]
pub struct Webhooks(Arc<Inner>);

struct Inner {
    /// Derives the keys earlier releases sealed secrets with.
    keys: Keys,
    keyring: Keyring,
    config: WebhooksConfig,
    max_attempts: i32,
    backoff_base: Duration,
    backoff_max: Duration,
}

impl Webhooks {
    pub fn new(keys: Keys, keyring: Keyring, config: &Config) -> Self {
        Self(Arc::new(Inner {
            keys,
            keyring,
            config: config.webhooks.clone(),
            max_attempts: config.jobs.max_attempts.max(1),
            backoff_base: Duration::from_millis(config.jobs.backoff_base_ms),
            backoff_max: Duration::from_millis(config.jobs.backoff_max_ms),
        }))
    }

    pub fn config(&self) -> &WebhooksConfig {
        &self.0.config
    }

    pub fn allow_loopback(&self) -> bool {
        self.0.config.allow_loopback
    }

    /// The attempt after which the job queue gives a delivery up.
    pub fn max_attempts(&self) -> i32 {
        self.0.max_attempts
    }

    /// When the queue runs attempt `attempt + 1` after attempt `attempt`
    /// failed (its back-off without the jitter it adds): what the pages show.
    pub fn next_attempt(&self, attempt: i32) -> Option<DateTime<Utc>> {
        if attempt >= self.0.max_attempts {
            return None;
        }
        let exponent = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(0)
            .min(30);
        let delay = self
            .0
            .backoff_base
            .saturating_mul(1u32 << exponent)
            .min(self.0.backoff_max);
        let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero());
        Some(Utc::now() + delay)
    }

    /// `secret`, sealed under the keyring for `tenant`.
    pub fn seal(&self, tenant: TenantId, secret: &Secret) -> Result<Vec<u8>, SecretError> {
        self.0
            .keyring
            .seal_str(secret.reveal(), &context(tenant))
            .map_err(|_| SecretError)
    }

    /// A secret of `tenant`'s, sealed under the keyring or, by an earlier
    /// release, under a key derived for `tenant`.
    pub fn open(&self, tenant: TenantId, sealed: &[u8]) -> Result<Secret, SecretError> {
        let legacy = self.0.keys.derive(PURPOSE, tenant);
        let plain = self
            .0
            .keyring
            .open_or_legacy(sealed, &context(tenant), (&legacy, CONTEXT))
            .map_err(|_| SecretError)?;
        Secret::parse(std::str::from_utf8(&plain).map_err(|_| SecretError)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Result<Webhooks, Box<dyn std::error::Error>> {
        let config = Config::load(
            std::path::Path::new("/nonexistent/tessera.toml"),
            &Default::default(),
        )?;
        let keyring = Keyring::new(&[("k1", [5; 32])], "k1")?;
        Ok(Webhooks::new(Keys::from_bytes([7; 32]), keyring, &config))
    }

    #[test]
    fn secrets_open_for_their_tenant_only_earlier_ones_too()
    -> Result<(), Box<dyn std::error::Error>> {
        let webhooks = service()?;
        let secret = Secret::generate()?;
        let sealed = webhooks.seal(TenantId::new(1), &secret)?;
        assert_eq!(webhooks.open(TenantId::new(1), &sealed)?, secret);
        assert_eq!(webhooks.open(TenantId::new(2), &sealed), Err(SecretError));
        let text = secret.reveal().as_bytes();
        assert!(!sealed.windows(text.len()).any(|w| w == text));
        // As an earlier release sealed it: under tenant 1's derived key.
        let derived = Keys::from_bytes([7; 32]).derive(PURPOSE, TenantId::new(1));
        let key = crate::crypto::aead::key(&derived)?;
        let old = crate::crypto::aead::seal(&key, CONTEXT.as_bytes(), text)?;
        assert_eq!(webhooks.open(TenantId::new(1), &old)?, secret);
        assert_eq!(webhooks.open(TenantId::new(2), &old), Err(SecretError));
        Ok(())
    }

    #[test]
    fn the_next_attempt_follows_the_queues_back_off() -> Result<(), Box<dyn std::error::Error>> {
        let webhooks = service()?;
        let base = webhooks.0.backoff_base.as_secs_f64();
        let after_two = webhooks.next_attempt(2).ok_or("a third attempt")?;
        let waited = (after_two - Utc::now()).num_milliseconds() as f64 / 1000.0;
        assert!((waited - 2.0 * base).abs() < 1.0, "{waited}");
        assert_eq!(webhooks.next_attempt(webhooks.max_attempts()), None);
        Ok(())
    }
}
