//! The signed links of reminder mails: one-click renew (bound to the
//! tenant, one membership and an expiry) and unsubscribe (bound to the
//! tenant, one account and one topic; it never expires, as the law and
//! mail providers expect). Each is an HMAC-SHA256 under a key derived for
//! its purpose and tenant, so a link of one association is worthless on
//! another's host, and checked in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq;

use crate::auth::Keys;
use crate::auth::keys::sign;
use crate::config::HttpConfig;
use crate::model::TenantId;

/// How long a renew link works after it was mailed.
pub const RENEW_LINK_DAYS: i64 = 60;

const RENEW_PURPOSE: &str = "contributions.renew-link";
const UNSUBSCRIBE_PURPOSE: &str = "contributions.unsubscribe-link";

/// Mails a person may stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    RenewalReminders,
    TreasurerDigest,
}

impl Topic {
    /// As stored in `mail_opt_outs.topic`.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::RenewalReminders => "renewal_reminders",
            Topic::TreasurerDigest => "treasurer_digest",
        }
    }

    /// As written in a link.
    fn code(self) -> &'static str {
        match self {
            Topic::RenewalReminders => "r",
            Topic::TreasurerDigest => "d",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "r" => Some(Topic::RenewalReminders),
            "d" => Some(Topic::TreasurerDigest),
            _ => None,
        }
    }
}

fn signature(keys: &Keys, purpose: &str, tenant: TenantId, parts: &[&[u8]]) -> String {
    let key = keys.derive(purpose, tenant);
    URL_SAFE_NO_PAD.encode(sign(&key, parts))
}

fn same(expected: &str, presented: &str) -> bool {
    expected.as_bytes().ct_eq(presented.as_bytes()).into()
}

/// `<membership>-<expiry, unix seconds>-<signature>`.
pub fn renew_token(
    keys: &Keys,
    tenant: TenantId,
    membership_id: i64,
    now: DateTime<Utc>,
) -> String {
    let expires = (now + Duration::days(RENEW_LINK_DAYS)).timestamp();
    let sig = signature(
        keys,
        RENEW_PURPOSE,
        tenant,
        &[&membership_id.to_be_bytes(), &expires.to_be_bytes()],
    );
    format!("{membership_id}-{expires}-{sig}")
}

/// The membership a renew token names, if it was signed for `tenant` and
/// has not expired.
pub fn check_renew(keys: &Keys, tenant: TenantId, token: &str, now: DateTime<Utc>) -> Option<i64> {
    let mut parts = token.splitn(3, '-');
    let id: i64 = parts.next()?.parse().ok()?;
    let expires: i64 = parts.next()?.parse().ok()?;
    let presented = parts.next()?;
    let expected = signature(
        keys,
        RENEW_PURPOSE,
        tenant,
        &[&id.to_be_bytes(), &expires.to_be_bytes()],
    );
    (same(&expected, presented) && now.timestamp() <= expires).then_some(id)
}

/// `<account>-<topic>-<signature>`.
pub fn unsubscribe_token(keys: &Keys, tenant: TenantId, account_id: i64, topic: Topic) -> String {
    let sig = signature(
        keys,
        UNSUBSCRIBE_PURPOSE,
        tenant,
        &[&account_id.to_be_bytes(), topic.code().as_bytes()],
    );
    format!("{account_id}-{}-{sig}", topic.code())
}

/// The account and topic of an unsubscribe token signed for `tenant`.
pub fn check_unsubscribe(keys: &Keys, tenant: TenantId, token: &str) -> Option<(i64, Topic)> {
    let mut parts = token.splitn(3, '-');
    let id: i64 = parts.next()?.parse().ok()?;
    let topic = Topic::from_code(parts.next()?)?;
    let presented = parts.next()?;
    let expected = signature(
        keys,
        UNSUBSCRIBE_PURPOSE,
        tenant,
        &[&id.to_be_bytes(), topic.code().as_bytes()],
    );
    same(&expected, presented).then_some((id, topic))
}

/// What reminder mails need for their links: the keys that sign them and
/// how browsers reach a tenant's host (mails leave from jobs, which have no
/// request to take a scheme or port from).
#[derive(Clone)]
pub struct Linker {
    pub keys: Keys,
    pub http: HttpConfig,
}

impl Linker {
    /// An absolute link to `path` on the tenant's own host.
    pub fn absolute(&self, host: &str, path: &str) -> String {
        self.http.tenant_link(host, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renew_links_are_bound_to_tenant_membership_and_time() {
        let keys = Keys::from_bytes([3; 32]);
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let now = Utc::now();
        let token = renew_token(&keys, a, 42, now);
        assert_eq!(check_renew(&keys, a, &token, now), Some(42));
        assert_eq!(check_renew(&keys, b, &token, now), None);
        let later = now + Duration::days(RENEW_LINK_DAYS + 1);
        assert_eq!(check_renew(&keys, a, &token, later), None);
        let forged = token.replacen("42-", "43-", 1);
        assert_eq!(check_renew(&keys, a, &forged, now), None);
        for junk in ["", "-", "1-2", "x-y-z", "42-1-", &"9".repeat(400)] {
            assert_eq!(check_renew(&keys, a, junk, now), None, "{junk}");
        }
    }

    #[test]
    fn unsubscribe_links_are_bound_to_tenant_account_and_topic() {
        let keys = Keys::from_bytes([3; 32]);
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let token = unsubscribe_token(&keys, a, 7, Topic::RenewalReminders);
        assert_eq!(
            check_unsubscribe(&keys, a, &token),
            Some((7, Topic::RenewalReminders))
        );
        assert_eq!(check_unsubscribe(&keys, b, &token), None);
        let other_topic = token.replacen("-r-", "-d-", 1);
        assert_eq!(check_unsubscribe(&keys, a, &other_topic), None);
    }
}
