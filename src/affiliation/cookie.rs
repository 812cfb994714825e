//! The referral cookie: which code brought this browser, the click, and
//! when. It is first-party, host-only, `HttpOnly` and set by the server (so
//! neither ad blockers nor Safari's seven-day cap on script cookies cut it
//! short), and carries an HMAC under a key derived for its tenant: a
//! forged or edited cookie, or one made on another tenant, reads as none.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeZone, Utc};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::auth::keys::{Keys, sign};
use crate::model::TenantId;

const PURPOSE: &str = "affiliation.referral-cookie";
const MAC_BYTES: usize = 16;

/// A visit by a referral link, as its cookie remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub code: String,
    pub click: Uuid,
    pub at: DateTime<Utc>,
}

fn mac(keys: &Keys, tenant: TenantId, body: &str) -> String {
    let key = keys.derive(PURPOSE, tenant);
    let full = sign(&key, &[body.as_bytes()]);
    URL_SAFE_NO_PAD.encode(full.get(..MAC_BYTES).unwrap_or(&full))
}

impl Visit {
    pub fn encode(&self, keys: &Keys, tenant: TenantId) -> String {
        let body = format!(
            "{}.{}.{}",
            self.code,
            self.click.simple(),
            self.at.timestamp()
        );
        let mac = mac(keys, tenant, &body);
        format!("{body}.{mac}")
    }

    pub fn decode(keys: &Keys, tenant: TenantId, value: &str) -> Option<Visit> {
        let (body, given) = value.rsplit_once('.')?;
        let expected = mac(keys, tenant, body);
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return None;
        }
        let mut parts = body.split('.');
        let code = super::links::fold(parts.next()?)?;
        let click = Uuid::parse_str(parts.next()?).ok()?;
        let at = Utc.timestamp_opt(parts.next()?.parse().ok()?, 0).single()?;
        parts.next().is_none().then_some(Visit { code, click, at })
    }

    /// Whether the visit still counts after `days` (the programme's window,
    /// which may have shrunk since the cookie was set).
    pub fn within(&self, days: i32, now: DateTime<Utc>) -> bool {
        now.signed_duration_since(self.at) <= chrono::Duration::days(i64::from(days))
            && self.at <= now + chrono::Duration::minutes(5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_reads_back_only_on_its_tenant_and_untouched() {
        let keys = Keys::from_bytes([3; 32]);
        let (a, b) = (TenantId::new(1), TenantId::new(2));
        let visit = Visit {
            code: "friends-2026".into(),
            click: Uuid::from_u128(7),
            at: Utc
                .timestamp_opt(1_800_000_000, 0)
                .single()
                .unwrap_or_default(),
        };
        let value = visit.encode(&keys, a);
        assert_eq!(Visit::decode(&keys, a, &value), Some(visit.clone()));
        assert_eq!(Visit::decode(&keys, b, &value), None);
        let edited = value.replacen("friends-2026", "friends-2027", 1);
        assert_eq!(Visit::decode(&keys, a, &edited), None);
        assert_eq!(Visit::decode(&keys, a, "garbage"), None);
    }

    #[test]
    fn a_visit_expires_with_the_window() {
        let at = Utc
            .timestamp_opt(1_800_000_000, 0)
            .single()
            .unwrap_or_default();
        let visit = Visit {
            code: "abc".into(),
            click: Uuid::nil(),
            at,
        };
        assert!(visit.within(30, at + chrono::Duration::days(29)));
        assert!(!visit.within(30, at + chrono::Duration::days(31)));
    }
}
