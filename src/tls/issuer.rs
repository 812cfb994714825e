//! The issuer: every instance runs one. It wakes every
//! `tls.acme.check_interval_secs`, when a certificate or claim changes, or
//! when a handshake asked for a verified name we have no certificate for;
//! it then orders what is due — first certificates of verified domains,
//! then renewals at two thirds of their life — one domain at a time across
//! instances (a lease row), within the hourly budget, backing off after
//! failures. A failure never removes a working certificate.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::acme::{AcmeClient, Obtained, OrderError};
use super::certs::{Certificates, Served, Source};
use super::sealed::Sealer;
use super::{challenge, store};
use crate::config::AcmeConfig;
use crate::db::Platform;
use crate::tenancy::claims;

/// Orders looked at in one pass; the rest wait for the next.
const PER_PASS: i64 = 20;

#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Platform,
    sealer: Sealer,
    certs: Certificates,
    acme: AcmeClient,
    config: AcmeConfig,
    /// Who holds a lease: this process.
    instance: String,
    wake: Notify,
    /// Verified names a client asked for over TLS: DNS evidently points
    /// here, whatever the last DNS check said.
    asked: Mutex<HashSet<String>>,
}

/// What one pass did, for tests and logs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PassReport {
    pub issued: Vec<String>,
    pub failed: Vec<String>,
    /// Due, but another instance holds its order.
    pub leased_elsewhere: Vec<String>,
}

impl Issuer {
    pub fn new(
        pool: Platform,
        sealer: Sealer,
        certs: Certificates,
        acme: AcmeClient,
        config: AcmeConfig,
    ) -> Self {
        let instance = format!("{}:{}", hostname_of_machine(), std::process::id());
        Self {
            inner: Arc::new(Inner {
                pool,
                sealer,
                certs,
                acme,
                config,
                instance,
                wake: Notify::new(),
                asked: Mutex::default(),
            }),
        }
    }

    /// Looks for work now rather than at the next tick.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// A client asked for `name`, which routes and has no certificate.
    pub fn asked_for(&self, name: &str) {
        let new = self
            .inner
            .asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(name.to_owned());
        if new {
            self.wake();
        }
    }

    pub fn spawn(&self) -> JoinHandle<()> {
        let issuer = self.clone();
        let every = Duration::from_secs(self.inner.config.check_interval_secs.max(1));
        tokio::spawn(async move {
            loop {
                if let Err(error) = issuer.run_pass().await {
                    tracing::warn!(error = %error, "certificate pass failed");
                }
                // However often clients or changes wake it, at most four
                // passes a second.
                tokio::time::sleep(Duration::from_millis(250)).await;
                tokio::select! {
                    () = issuer.inner.wake.notified() => {}
                    () = tokio::time::sleep(every) => {}
                }
            }
        })
    }

    /// One pass: sync the names, order what is due.
    pub async fn run_pass(&self) -> Result<PassReport, sqlx::Error> {
        let inner = &self.inner;
        let candidates = {
            let mut conn = inner.pool.acquire().await?;
            let candidates = claims::certificate_candidates(&mut conn).await?;
            let names: Vec<String> = candidates.iter().map(|c| c.hostname.clone()).collect();
            for gone in store::sync_names(&mut conn, &names).await? {
                inner.certs.remove(&gone);
            }
            candidates
        };
        let mut report = PassReport::default();
        if let Some(until) = inner.acme.paused_until(&inner.pool).await? {
            tracing::info!(%until, "ACME orders paused (rate limited)");
            return Ok(report);
        }
        let reachable: HashSet<&str> = candidates
            .iter()
            .filter(|c| c.points_here)
            .map(|c| c.hostname.as_str())
            .collect();
        let asked = self.take_asked();
        let mut budget =
            inner.config.orders_per_hour - store::orders_last_hour(&inner.pool).await?;
        for due in store::due(&inner.pool, PER_PASS).await? {
            let name = due.hostname.as_str();
            if !(due.has_chain || reachable.contains(name) || asked.contains(name)) {
                continue;
            }
            if budget <= 0 {
                tracing::warn!("hourly ACME order budget spent; the rest waits");
                break;
            }
            match self.order_one(name).await? {
                Outcome::Issued => report.issued.push(due.hostname),
                Outcome::Failed => report.failed.push(due.hostname),
                Outcome::Leased => {
                    report.leased_elsewhere.push(due.hostname);
                    continue;
                }
            }
            budget -= 1;
        }
        Ok(report)
    }

    fn take_asked(&self) -> HashSet<String> {
        std::mem::take(
            &mut *self
                .inner
                .asked
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Orders a certificate for `name` if no other instance is doing so.
    async fn order_one(&self, name: &str) -> Result<Outcome, sqlx::Error> {
        let inner = &self.inner;
        let lease = (inner.config.order_timeout_secs + 60) as f64;
        if !store::lease(&inner.pool, name, &inner.instance, lease).await? {
            return Ok(Outcome::Leased);
        }
        let used = inner.config.challenge.as_str();
        let order_id = store::record_order(&inner.pool, name, &inner.instance, used).await?;
        let timeout = Duration::from_secs(inner.config.order_timeout_secs + 30);
        let obtained =
            match tokio::time::timeout(timeout, inner.acme.order(&inner.pool, &inner.sealer, name))
                .await
            {
                Ok(result) => result,
                Err(_) => Err(OrderError::Unreachable("the order timed out".into())),
            };
        let _ = challenge::withdraw(&inner.pool, name).await;
        let checked = obtained.and_then(|o| {
            let served = self.keep(name, &o.chain_pem, &o.key_pem)?;
            Ok((o, served))
        });
        let outcome = match checked {
            Ok((obtained, served)) => {
                // Served here before the row says `valid`: whoever reads
                // the row may connect at once. Other instances follow the
                // row's NOTIFY.
                inner.certs.insert_as(name, served.clone());
                self.record_success(name, order_id, &served, &obtained)
                    .await?;
                tracing::info!(domain = name, not_after = %served.not_after, "certificate issued");
                Outcome::Issued
            }
            Err(error) => {
                self.record_failure(name, order_id, &error).await?;
                Outcome::Failed
            }
        };
        Ok(outcome)
    }

    /// Checks what the ACME server sent before it is stored or served.
    fn keep(&self, name: &str, chain_pem: &str, key_pem: &str) -> Result<Served, OrderError> {
        let served = Served::from_pem(
            &super::provider(),
            chain_pem.as_bytes(),
            key_pem.as_bytes(),
            Source::Acme,
        )
        .map_err(|e| OrderError::Local(e.to_string()))?;
        if !served.names.iter().any(|n| n == name) {
            return Err(OrderError::Local(format!(
                "the certificate does not name {name}"
            )));
        }
        Ok(served)
    }

    async fn record_success(
        &self,
        name: &str,
        order_id: i64,
        served: &Served,
        obtained: &Obtained,
    ) -> Result<(), sqlx::Error> {
        let inner = &self.inner;
        let sealed = inner
            .sealer
            .seal(obtained.key_pem.as_bytes(), name)
            .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        let mut tx = inner.pool.begin().await?;
        store::record_issued(
            &mut tx,
            &store::Issued {
                hostname: name,
                chain_pem: &obtained.chain_pem,
                key_sealed: &sealed,
                not_before: served.not_before,
                not_after: served.not_after,
                issuer: &served.issuer,
            },
        )
        .await?;
        claims::set_cert_status(&mut tx, name, "issued").await?;
        store::finish_order(&mut tx, order_id, None).await?;
        tx.commit().await
    }

    async fn record_failure(
        &self,
        name: &str,
        order_id: i64,
        error: &OrderError,
    ) -> Result<(), sqlx::Error> {
        let inner = &self.inner;
        let message = error.to_string();
        let backoff = store::Backoff {
            base_secs: inner.config.retry_base_secs as f64,
            max_secs: inner.config.retry_max_secs as f64,
            alert_after: inner.config.alert_after_failures,
        };
        let mut tx = inner.pool.begin().await?;
        let failure = store::record_failure(&mut tx, name, &message, &backoff).await?;
        if failure.as_ref().is_some_and(|f| !f.has_chain) {
            claims::set_cert_status(&mut tx, name, "failed").await?;
        }
        store::finish_order(&mut tx, order_id, Some(&message)).await?;
        if let Some(failure) = failure.as_ref().filter(|f| f.alert) {
            super::alert::queue(&mut tx, &inner.config, name, failure.failures, &message).await?;
        }
        tx.commit().await?;
        if let OrderError::RateLimited(_) = error {
            let until = chrono::Utc::now() + chrono::Duration::hours(1);
            super::accounts::pause_account(&inner.pool, inner.acme.directory(), until).await?;
        }
        if let OrderError::AccountGone(_) = error {
            inner.acme.forget_account(&inner.pool).await?;
        }
        tracing::warn!(domain = name, error = %message,
            failures = failure.map_or(0, |f| f.failures), "certificate order failed");
        Ok(())
    }
}

enum Outcome {
    Issued,
    Failed,
    Leased,
}

fn hostname_of_machine() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "instance".into())
}
