//! Login throttling with exponential back-off, per account and per client
//! address, kept in memory.
//!
//! Keys are per realm (a tenant, or the platform's console) and per normalised address whether or not the
//! account exists, so throttling reveals nothing about who has an account.
//! After `free` failures a key must wait `base × 2^(n − free)` (capped)
//! since its last failure; a success clears the account's key. Counters are
//! per instance: behind N instances an attacker gets at most N times the
//! budget, still exponential.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use moka::sync::Cache;

use super::realm::Realm;

#[derive(Clone)]
pub struct Throttle {
    failures: Cache<String, Arc<Failures>>,
    rules: Rules,
}

#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// Failures allowed per account before back-off starts.
    pub account_free: u32,
    /// Failures allowed per client address (across accounts).
    pub address_free: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            account_free: 5,
            address_free: 30,
            base: Duration::from_secs(30),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

struct Failures {
    state: std::sync::Mutex<(u32, Instant)>,
}

/// Who is trying: the account (as typed) and where from.
pub struct Attempt<'a> {
    pub realm: Realm,
    pub email: &'a str,
    pub ip: Option<IpAddr>,
}

impl Throttle {
    pub fn new(rules: Rules) -> Self {
        Self {
            failures: Cache::builder()
                .max_capacity(200_000)
                .time_to_idle(rules.cap * 2)
                .build(),
            rules,
        }
    }

    /// `Err(wait)` when the attempt must wait before it is even checked.
    pub fn check(&self, attempt: &Attempt<'_>) -> Result<(), Duration> {
        let now = Instant::now();
        let waits = self
            .keys(attempt)
            .into_iter()
            .filter_map(|(key, free)| self.wait(&key, free, now));
        match waits.max() {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn failed(&self, attempt: &Attempt<'_>) {
        let now = Instant::now();
        for (key, _) in self.keys(attempt) {
            let entry = self.failures.get_with(key, || {
                Arc::new(Failures {
                    state: std::sync::Mutex::new((0, now)),
                })
            });
            let mut state = entry.state.lock().unwrap_or_else(|p| p.into_inner());
            *state = (state.0.saturating_add(1), now);
        }
    }

    /// A correct password clears the account's count (not the address's:
    /// an attacker must not reset it with an account of their own).
    pub fn succeeded(&self, attempt: &Attempt<'_>) {
        self.failures.invalidate(&account_key(attempt));
    }

    fn keys(&self, attempt: &Attempt<'_>) -> Vec<(String, u32)> {
        let mut keys = vec![(account_key(attempt), self.rules.account_free)];
        if let Some(ip) = attempt.ip {
            keys.push((
                format!("ip:{}:{ip}", attempt.realm),
                self.rules.address_free,
            ));
        }
        keys
    }

    fn wait(&self, key: &str, free: u32, now: Instant) -> Option<Duration> {
        let entry = self.failures.get(key)?;
        let (count, last) = *entry.state.lock().unwrap_or_else(|p| p.into_inner());
        if count < free {
            return None;
        }
        let doublings = (count - free).min(16);
        let backoff = self
            .rules
            .base
            .saturating_mul(1 << doublings)
            .min(self.rules.cap);
        let elapsed = now.saturating_duration_since(last);
        (elapsed < backoff).then(|| backoff - elapsed)
    }
}

fn account_key(attempt: &Attempt<'_>) -> String {
    format!(
        "account:{}:{}",
        attempt.realm,
        attempt.email.trim().to_lowercase()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn attempt(email: &str) -> Attempt<'_> {
        Attempt {
            realm: Realm::Tenant(crate::model::TenantId::new(1)),
            email,
            ip: Some([10, 0, 0, 1].into()),
        }
    }

    #[test]
    fn the_sixth_failure_waits_and_others_do_not() -> TestResult {
        let throttle = Throttle::new(Rules::default());
        for _ in 0..5 {
            assert!(throttle.check(&attempt("a@x.org")).is_ok());
            throttle.failed(&attempt("a@x.org"));
        }
        let wait = throttle
            .check(&attempt("A@x.org"))
            .err()
            .ok_or("expected an error")?;
        assert!(wait > Duration::from_secs(25));
        assert!(throttle.check(&attempt("b@x.org")).is_ok());
        throttle.failed(&attempt("a@x.org"));
        let longer = throttle
            .check(&attempt("a@x.org"))
            .err()
            .ok_or("expected an error")?;
        assert!(longer > Duration::from_secs(55), "{longer:?}");
        Ok(())
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() -> TestResult {
        let rules = Rules {
            address_free: 3,
            ..Rules::default()
        };
        let throttle = Throttle::new(rules);
        for _ in 0..3 {
            throttle.failed(&attempt("a@x.org"));
        }
        throttle.succeeded(&attempt("a@x.org"));
        assert!(throttle.check(&attempt("c@x.org")).is_err());
        Ok(())
    }
}
