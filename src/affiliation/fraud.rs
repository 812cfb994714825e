//! Self-referral checks. Pure: addresses are normalised here (case,
//! plus-addressing, dots in the local part) and a referral's facts are
//! held against the programme's checks; the store gathers the facts and
//! sends a flagged referral to review. Nothing is blocked silently: an
//! affiliate testing their own link, or a reseller, is for a person to judge.

use std::net::IpAddr;

use super::model::CheckKind;

/// An address as the checks compare it: lower case, without `+tag`, and
/// without dots in the local part (`Jo.Doe+x@Example.org` → `jodoe@example.org`).
/// Providers differ on dots; comparing without them only ever flags more,
/// and a flag is a review, not a refusal.
pub fn normalise_email(email: &str) -> String {
    let email = email.trim().to_lowercase();
    let Some((local, domain)) = email.rsplit_once('@') else {
        return email;
    };
    let local = local.split('+').next().unwrap_or(local).replace('.', "");
    let domain = match domain {
        "googlemail.com" => "gmail.com",
        other => other,
    };
    format!("{local}@{domain}")
}

/// One check as the programme configured it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Check {
    pub id: i64,
    pub kind: CheckKind,
    pub window_hours: i32,
    /// `email_domain`: the domain it flags.
    pub value: Option<String>,
    pub active: bool,
}

/// What is known of a referral when it is checked.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub affiliate_email_norm: String,
    pub referred_email_norm: String,
    /// Hours since the affiliate was last seen from the referral's address
    /// (`None`: never).
    pub hours_since_same_ip: Option<i64>,
    pub hours_since_same_device: Option<i64>,
    /// The referred party paid with a reference the affiliate paid with.
    pub shared_payment_reference: bool,
}

/// The checks a referral fails, as reasons for its review.
pub fn flags(checks: &[Check], facts: &Facts) -> Vec<String> {
    let within = |hours: Option<i64>, window: i32| hours.is_some_and(|h| h <= i64::from(window));
    checks
        .iter()
        .filter(|check| check.active)
        .filter(|check| match check.kind {
            CheckKind::SameEmail => facts.affiliate_email_norm == facts.referred_email_norm,
            CheckKind::SameIp => within(facts.hours_since_same_ip, check.window_hours),
            CheckKind::SameDevice => within(facts.hours_since_same_device, check.window_hours),
            CheckKind::SamePaymentReference => facts.shared_payment_reference,
            CheckKind::EmailDomain => check.value.as_deref().is_some_and(|domain| {
                facts
                    .referred_email_norm
                    .rsplit_once('@')
                    .is_some_and(|(_, at)| at.eq_ignore_ascii_case(domain))
            }),
        })
        .map(|check| check.kind.as_str().to_owned())
        .collect()
}

/// A device as the checks compare it: the user agent and the accepted
/// languages, hashed (the raw strings are not kept).
pub fn device(user_agent: Option<&str>, languages: Option<&str>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(user_agent.unwrap_or("").as_bytes());
    hash.update([0]);
    hash.update(languages.unwrap_or("").as_bytes());
    hash.finalize()[..16].to_vec()
}

/// An address as stored: IPv4-mapped IPv6 addresses read as IPv4, so one
/// person is one address whichever way the socket saw them.
pub fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_tags_dots_and_case_do_not_hide_an_address() {
        assert_eq!(normalise_email("Me+1@Example.org"), "me@example.org");
        assert_eq!(
            normalise_email(" jo.doe+promo@gmail.com"),
            "jodoe@gmail.com"
        );
        assert_eq!(normalise_email("jodoe@googlemail.com"), "jodoe@gmail.com");
        assert_eq!(normalise_email("not-an-address"), "not-an-address");
    }

    fn check(kind: CheckKind, value: Option<&str>) -> Check {
        Check {
            id: 1,
            kind,
            window_hours: 24,
            value: value.map(str::to_owned),
            active: true,
        }
    }

    #[test]
    fn each_check_flags_only_its_own_fact() {
        let checks = vec![
            check(CheckKind::SameEmail, None),
            check(CheckKind::SameIp, None),
            check(CheckKind::SameDevice, None),
            check(CheckKind::EmailDomain, Some("mailinator.com")),
        ];
        let clean = Facts {
            affiliate_email_norm: "me@example.org".into(),
            referred_email_norm: "friend@example.org".into(),
            hours_since_same_ip: Some(48),
            ..Facts::default()
        };
        assert!(flags(&checks, &clean).is_empty());
        let suspicious = Facts {
            referred_email_norm: normalise_email("me+1@example.org"),
            hours_since_same_ip: Some(2),
            ..clean.clone()
        };
        assert_eq!(flags(&checks, &suspicious), vec!["same_email", "same_ip"]);
        let throwaway = Facts {
            referred_email_norm: "x@mailinator.com".into(),
            ..clean
        };
        assert_eq!(flags(&checks, &throwaway), vec!["email_domain"]);
    }

    #[test]
    fn mapped_addresses_read_as_ipv4() {
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap_or(IpAddr::from([0; 4]));
        assert_eq!(canonical_ip(mapped), IpAddr::from([192, 0, 2, 7]));
    }
}
