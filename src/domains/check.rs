//! What a check's findings do to a claim: a pure function, so that every
//! transition (proof found, proof lost, DNS silent, claim abandoned) is
//! decided in one place and tested without a network.

use chrono::{DateTime, Duration, Utc};

use super::dns::{Answer, Pointing};
use crate::config::DomainsConfig;
use crate::tenancy::claims::{Claim, ClaimState};

/// Waits between checks of a pending claim, by failures so far: a customer
/// who just published the record sees it count within minutes, and one
/// who forgot costs a check every few hours.
const PENDING_BACKOFF_MINUTES: [i64; 6] = [1, 2, 5, 15, 30, 60];
const PENDING_SLOW: Duration = Duration::hours(6);
const VERIFIED_EVERY: Duration = Duration::hours(24);
/// After "could not ask", a verified claim is asked again sooner.
const RETRY_UNKNOWN: Duration = Duration::hours(1);

/// What to write back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The method that just proved a pending claim.
    pub verify: Option<&'static str>,
    /// The proof of a verified claim is gone for good: stop routing.
    pub unverify: bool,
    pub state: ClaimState,
    pub dns_status: &'static str,
    pub failures: i32,
    pub error: Option<&'static str>,
    pub next_check_at: DateTime<Utc>,
}

/// `proof` is what the claim's method (or, for a pending claim, the first
/// method that worked) found: `Found(method)`.
pub fn decide(
    claim: &Claim,
    proof: Answer<&'static str>,
    pointing: Pointing,
    config: &DomainsConfig,
    now: DateTime<Utc>,
) -> Decision {
    let dns_status = match pointing {
        Pointing::Unknown if config.knows_targets() => keep_status(&claim.dns_status),
        other => other.as_status(),
    };
    let active = match pointing {
        Pointing::Here => true,
        Pointing::Missing | Pointing::Elsewhere => false,
        Pointing::Unknown => !config.knows_targets() || claim.state == ClaimState::Active,
    };
    let routed_state = if active {
        ClaimState::Active
    } else {
        ClaimState::Verified
    };
    let base = Decision {
        verify: None,
        unverify: false,
        state: claim.state,
        dns_status,
        failures: claim.check_failures,
        error: None,
        next_check_at: now + VERIFIED_EVERY,
    };
    match (claim.state, proof) {
        (ClaimState::Expired, _) => base,
        (ClaimState::Pending, Answer::Found(method)) => Decision {
            verify: Some(method),
            state: routed_state,
            failures: 0,
            ..base
        },
        (ClaimState::Pending, missing_or_unknown) => {
            let failures = claim.check_failures.saturating_add(1);
            let abandoned = now - claim.created_at > Duration::days(config.pending_days.into());
            Decision {
                state: if abandoned {
                    ClaimState::Expired
                } else {
                    ClaimState::Pending
                },
                failures,
                error: Some(error_code(&missing_or_unknown)),
                next_check_at: now + pending_wait(failures),
                ..base
            }
        }
        (_, Answer::Found(_)) => Decision {
            state: routed_state,
            failures: 0,
            ..base
        },
        (_, Answer::Unknown(code)) => Decision {
            error: Some(code),
            next_check_at: now + RETRY_UNKNOWN,
            ..base
        },
        (_, Answer::Missing) => {
            let failures = claim.check_failures.saturating_add(1);
            let lost = failures >= config.grace_days;
            Decision {
                unverify: lost,
                state: if lost {
                    ClaimState::Pending
                } else {
                    claim.state
                },
                failures: if lost { 0 } else { failures },
                error: Some(if lost { "proof_lost" } else { "proof_missing" }),
                ..base
            }
        }
    }
}

fn keep_status(status: &str) -> &'static str {
    match status {
        "ok" => "ok",
        "missing" => "missing",
        "wrong_target" => "wrong_target",
        _ => "unknown",
    }
}

fn error_code<T>(answer: &Answer<T>) -> &'static str {
    match answer {
        Answer::Unknown(code) => code,
        _ => "proof_missing",
    }
}

fn pending_wait(failures: i32) -> Duration {
    usize::try_from(failures.saturating_sub(1))
        .ok()
        .and_then(|i| PENDING_BACKOFF_MINUTES.get(i))
        .map_or(PENDING_SLOW, |minutes| Duration::minutes(*minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TenantId;

    fn claim(state: ClaimState, failures: i32, age_days: i64) -> Claim {
        let now = Utc::now();
        Claim {
            id: 1,
            tenant_id: TenantId::new(1),
            hostname: "club.example.org".into(),
            state,
            method: state.routes().then(|| "dns_txt".to_owned()),
            token: "a".repeat(32),
            dns_status: "unknown".into(),
            cert_status: "none".into(),
            is_primary: false,
            created_at: now - Duration::days(age_days),
            verified_at: state.routes().then_some(now),
            last_checked_at: None,
            next_check_at: now,
            check_failures: failures,
            last_error: None,
        }
    }

    fn targets() -> DomainsConfig {
        DomainsConfig {
            ipv4: vec![std::net::Ipv4Addr::new(203, 0, 113, 7)],
            ..DomainsConfig::default()
        }
    }

    #[test]
    fn a_found_proof_verifies_and_pointing_here_makes_it_active() {
        let now = Utc::now();
        let pending = claim(ClaimState::Pending, 3, 1);
        let d = decide(
            &pending,
            Answer::Found("dns_txt"),
            Pointing::Here,
            &targets(),
            now,
        );
        assert_eq!(
            (d.verify, d.state, d.failures),
            (Some("dns_txt"), ClaimState::Active, 0)
        );
        let d = decide(
            &pending,
            Answer::Found("http"),
            Pointing::Elsewhere,
            &targets(),
            now,
        );
        assert_eq!(
            (d.state, d.dns_status),
            (ClaimState::Verified, "wrong_target")
        );
    }

    #[test]
    fn a_pending_claim_backs_off_then_expires() {
        let now = Utc::now();
        let d = decide(
            &claim(ClaimState::Pending, 0, 0),
            Answer::Missing,
            Pointing::Missing,
            &targets(),
            now,
        );
        assert_eq!(
            (d.state, d.failures, d.error),
            (ClaimState::Pending, 1, Some("proof_missing"))
        );
        assert_eq!(d.next_check_at, now + Duration::minutes(1));
        let d = decide(
            &claim(ClaimState::Pending, 9, 3),
            Answer::Missing,
            Pointing::Missing,
            &targets(),
            now,
        );
        assert_eq!(d.next_check_at, now + PENDING_SLOW);
        let d = decide(
            &claim(ClaimState::Pending, 40, 15),
            Answer::Missing,
            Pointing::Missing,
            &targets(),
            now,
        );
        assert_eq!(d.state, ClaimState::Expired);
    }

    #[test]
    fn a_lost_proof_stops_routing_only_after_the_grace_period() {
        let now = Utc::now();
        let config = targets();
        let d = decide(
            &claim(ClaimState::Active, 0, 30),
            Answer::Missing,
            Pointing::Here,
            &config,
            now,
        );
        assert_eq!(
            (d.unverify, d.state, d.failures),
            (false, ClaimState::Active, 1)
        );
        let last = config.grace_days - 1;
        let d = decide(
            &claim(ClaimState::Active, last, 30),
            Answer::Missing,
            Pointing::Here,
            &config,
            now,
        );
        assert_eq!(
            (d.unverify, d.state, d.error),
            (true, ClaimState::Pending, Some("proof_lost"))
        );
    }

    #[test]
    fn silence_from_dns_changes_nothing() {
        let now = Utc::now();
        let mut active = claim(ClaimState::Active, 2, 30);
        active.dns_status = "ok".into();
        let d = decide(
            &active,
            Answer::Unknown("dns_unreachable"),
            Pointing::Unknown,
            &targets(),
            now,
        );
        assert_eq!(
            (d.state, d.failures, d.dns_status, d.unverify),
            (ClaimState::Active, 2, "ok", false)
        );
        assert_eq!(d.error, Some("dns_unreachable"));
    }
}
