//! The checks of claims: what DNS (and the HTTP token) say, asked outside
//! any transaction, then the decision of [`super::check::decide`] written
//! back in one short transaction, audited when the state changes. Used by
//! the recurring job and by "check now".

use super::check::{self, Decision};
use super::dns::{Answer, Dns, Pointing};
use super::http_check::http_proof;
use super::service::{DomainError, Domains};
use crate::model::Hostname;
use crate::tenancy::audit::{self, Actor};
use crate::tenancy::claims::{self, CheckRecord, Claim, ClaimError, ClaimState};

/// How long a check may hold a claim before another instance may retry it.
const LEASE: chrono::Duration = chrono::Duration::minutes(10);

impl Domains {
    /// Checks up to `limit` claims that are due; the number checked.
    pub async fn check_due(&self, limit: i64) -> Result<usize, sqlx::Error> {
        let due = {
            let mut conn = self.platform.acquire().await?;
            claims::lease_due(&mut conn, limit, LEASE).await?
        };
        for claim in &due {
            if let Err(error) = self.check(claim, &Actor::from("job")).await {
                tracing::warn!(host = %claim.hostname, %error, "domain check failed");
            }
        }
        Ok(due.len())
    }

    pub(super) async fn check(&self, claim: &Claim, actor: &Actor) -> Result<(), DomainError> {
        let (proof, pointing) = self.observe(claim).await?;
        let decision = check::decide(claim, proof, pointing, &self.config, chrono::Utc::now());
        self.apply(claim, &decision, actor).await
    }

    /// What DNS (and HTTP) say about the claim, asked outside any transaction.
    async fn observe(
        &self,
        claim: &Claim,
    ) -> Result<(Answer<&'static str>, Pointing), DomainError> {
        let host =
            Hostname::parse(&claim.hostname).map_err(|e| DomainError::Invalid(e.to_string()))?;
        let Some(dns) = &self.dns else {
            return Ok((Answer::Unknown("dns_unavailable"), Pointing::Unknown));
        };
        let pointing = dns.pointing(&host).await;
        let proof = match claim.method.as_deref() {
            Some("operator") => Answer::Found("operator"),
            Some("http") => self.http(dns, &host, claim).await,
            Some(_) => tag(dns.txt_proof(&host, &claim.token).await, "dns_txt"),
            None => match tag(dns.txt_proof(&host, &claim.token).await, "dns_txt") {
                Answer::Found(method) => Answer::Found(method),
                txt => self.http_if_allowed(dns, &host, claim).await.or(txt),
            },
        };
        Ok((proof, pointing))
    }

    async fn http(&self, dns: &Dns, host: &Hostname, claim: &Claim) -> Answer<&'static str> {
        tag(
            http_proof(dns, &self.keys, &self.config, host, &claim.token).await,
            "http",
        )
    }

    /// The HTTP token proves only that DNS points here, so it is refused
    /// for a domain another tenant claims or recently gave up.
    async fn http_if_allowed(
        &self,
        dns: &Dns,
        host: &Hostname,
        claim: &Claim,
    ) -> Answer<&'static str> {
        let days = self.config.release_quarantine_days;
        let contested = match self.platform.acquire().await {
            Ok(mut conn) => claims::contested(&mut conn, claim.tenant_id, host, days).await,
            Err(e) => Err(e),
        };
        match contested {
            Ok(false) => self.http(dns, host, claim).await,
            Ok(true) => Answer::Unknown("txt_required"),
            Err(_) => Answer::Unknown("database"),
        }
    }

    async fn apply(
        &self,
        seen: &Claim,
        decision: &Decision,
        actor: &Actor,
    ) -> Result<(), DomainError> {
        let mut tx = self.platform.begin().await?;
        let host =
            Hostname::parse(&seen.hostname).map_err(|e| DomainError::Invalid(e.to_string()))?;
        let Some(claim) = claims::find(&mut tx, seen.tenant_id, &host).await? else {
            return Ok(()); // removed meanwhile
        };
        if claim.state != seen.state || claim.method != seen.method {
            return Ok(()); // changed meanwhile: the next check starts afresh
        }
        let mut decision = decision.clone();
        if let Some(method) = decision.verify {
            match claims::verify(
                &mut tx,
                &claim,
                method,
                decision.state == ClaimState::Active,
            )
            .await
            {
                Ok(()) => {}
                Err(ClaimError::Taken(_)) => {
                    tx.rollback().await?;
                    tx = self.platform.begin().await?;
                    decision.state = ClaimState::Pending;
                    decision.error = Some("domain_taken");
                }
                Err(other) => return Err(other.into()),
            }
        }
        if decision.unverify {
            claims::unverify(&mut tx, claim.id, "proof_lost").await?;
        }
        let record = CheckRecord {
            state: decision.state,
            dns_status: decision.dns_status,
            check_failures: decision.failures,
            last_error: decision.error,
            next_check_at: decision.next_check_at,
        };
        claims::record_check(&mut tx, claim.id, &record).await?;
        let changed = claim.state != decision.state;
        if changed {
            let details = serde_json::json!({
                "host": claim.hostname, "from": claim.state, "to": decision.state,
                "method": decision.verify, "error": decision.error,
            });
            audit::record(
                &mut tx,
                actor,
                "domain.state",
                Some(claim.tenant_id),
                details,
            )
            .await?;
        }
        tx.commit().await?;
        if changed {
            self.reload(claim.tenant_id).await;
        }
        Ok(())
    }
}

fn tag(answer: Answer<()>, method: &'static str) -> Answer<&'static str> {
    match answer {
        Answer::Found(()) => Answer::Found(method),
        Answer::Missing => Answer::Missing,
        Answer::Unknown(code) => Answer::Unknown(code),
    }
}

impl<T> Answer<T> {
    /// `self` if it found something, else `fallback` when `self` is only
    /// "missing" (an unknown answer is worth reporting).
    fn or(self, fallback: Answer<T>) -> Answer<T> {
        match (self, fallback) {
            (found @ Answer::Found(_), _) => found,
            (Answer::Missing, other) => other,
            (unknown, _) => unknown,
        }
    }
}
