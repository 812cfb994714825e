//! The cookies of a signed-in (or signing-in) browser: the session id and,
//! before sign-in, a random visitor id the CSRF token is bound to.
//!
//! Both are `HttpOnly`, `SameSite=Lax`, `Path=/` and host-only (no
//! `Domain`). When the connection is secure they are also `Secure` and carry
//! the `__Host-` prefix, which browsers only accept on such cookies: a
//! sibling subdomain (another tenant under the same base domain) then cannot
//! plant one of them. Browsers treat `localhost` and `*.localhost` as
//! secure, so development gets the same cookies as production.
//!
//! The platform console's cookies have names of their own and are
//! `SameSite=Strict`: a tenant's cookie is never read as an operator's.

use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};

/// The session cookie's name, secure or not.
pub const SESSION_NAMES: [&str; 2] = ["__Host-session", "session"];
/// The platform console's session cookie, secure or not.
pub const OPERATOR_SESSION_NAMES: [&str; 2] = ["__Host-tessera-op", "tessera-op"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookiePolicy {
    pub secure: bool,
    /// The platform console's cookies rather than a portal's.
    pub platform: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Session,
    Visitor,
    /// Which referral link brought this browser (portals only).
    Referral,
}

impl CookiePolicy {
    /// `always_secure` comes from the configuration (TLS in front of us);
    /// otherwise loopback names count as secure, as they do for browsers.
    pub fn for_host(host: &str, always_secure: bool) -> Self {
        let loopback = host == "localhost" || host.ends_with(".localhost");
        Self {
            secure: always_secure || loopback,
            platform: false,
        }
    }

    /// The cookies of the platform console on `host`.
    pub fn for_platform(host: &str, always_secure: bool) -> Self {
        Self {
            platform: true,
            ..Self::for_host(host, always_secure)
        }
    }

    pub fn name(self, kind: Kind) -> &'static str {
        match (self.platform, kind, self.secure) {
            (false, Kind::Session, true) => SESSION_NAMES[0],
            (false, Kind::Session, false) => SESSION_NAMES[1],
            (false, Kind::Visitor, true) => "__Host-visitor",
            (false, Kind::Visitor, false) => "visitor",
            (true, Kind::Session, true) => OPERATOR_SESSION_NAMES[0],
            (true, Kind::Session, false) => OPERATOR_SESSION_NAMES[1],
            (true, Kind::Visitor, true) => "__Host-tessera-op-v",
            (true, Kind::Visitor, false) => "tessera-op-v",
            (_, Kind::Referral, true) => "__Host-ref",
            (_, Kind::Referral, false) => "ref",
        }
    }

    fn same_site(self) -> SameSite {
        if self.platform {
            SameSite::Strict
        } else {
            SameSite::Lax
        }
    }

    /// The value the request carries for `kind`, if any.
    pub fn read(self, headers: &HeaderMap, kind: Kind) -> Option<String> {
        let name = self.name(kind);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| Cookie::split_parse(value).filter_map(Result::ok))
            .find(|cookie| cookie.name() == name)
            .map(|cookie| cookie.value().to_owned())
    }

    /// `Set-Cookie` for `value`; a session cookie lasts as long as the
    /// browser unless `persistent`.
    pub fn set(self, kind: Kind, value: &str, persistent: bool) -> HeaderValue {
        let mut cookie = Cookie::build((self.name(kind), value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(self.same_site())
            .secure(self.secure)
            .build();
        if persistent {
            cookie.set_max_age(cookie::time::Duration::days(30));
        }
        header_value(&cookie)
    }

    /// `Set-Cookie` for `value`, kept `days` days.
    pub fn set_for_days(self, kind: Kind, value: &str, days: i32) -> HeaderValue {
        let mut cookie = Cookie::build((self.name(kind), value.to_owned()))
            .path("/")
            .http_only(true)
            .same_site(self.same_site())
            .secure(self.secure)
            .build();
        cookie.set_max_age(cookie::time::Duration::days(i64::from(days)));
        header_value(&cookie)
    }

    /// `Set-Cookie` that removes `kind`.
    pub fn clear(self, kind: Kind) -> HeaderValue {
        let mut cookie = Cookie::build((self.name(kind), ""))
            .path("/")
            .http_only(true)
            .same_site(self.same_site())
            .secure(self.secure)
            .build();
        cookie.make_removal();
        header_value(&cookie)
    }
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // Our names and values are ASCII: this never falls back.
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn secure_cookies_carry_the_host_prefix() -> TestResult {
        let policy = CookiePolicy::for_host("velo.localhost", false);
        let set = policy.set(Kind::Session, "abc", false);
        let text = set.to_str()?;
        assert!(text.starts_with("__Host-session=abc"));
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(text.contains(part), "{text}");
        }
        assert!(!text.contains("Domain"));
        let console = CookiePolicy::for_platform("admin.localhost", false);
        let set = console.set(Kind::Session, "abc", false);
        assert!(set.to_str()?.starts_with("__Host-tessera-op=abc"));
        assert!(set.to_str()?.contains("SameSite=Strict"));
        let plain = CookiePolicy::for_host("velo.example.org", false);
        assert_eq!(plain.name(Kind::Session), "session");
        assert!(
            !plain
                .set(Kind::Session, "abc", false)
                .to_str()?
                .contains("Secure")
        );
        Ok(())
    }
}
