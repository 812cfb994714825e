//! CSRF tokens. Tenants are subdomains of one base domain, hence *same-site*
//! for browsers: `SameSite=Lax` does not stop a page of tenant B from
//! posting a form to tenant A. So every state-changing browser request
//! (any method but GET, HEAD, OPTIONS, outside `/api/`, which takes bearer
//! tokens and never cookies) must:
//!
//! - not come from another site or another origin by the browser's own
//!   account (`Sec-Fetch-Site`, else `Origin`), and
//! - carry the token of its session (or, before sign-in, of its visitor
//!   cookie): HMAC(signing key, tenant id, cookie value), in the form field
//!   `csrf_token` or the `X-CSRF-Token` header.
//!
//! The token is bound to the tenant and to a cookie only this host can set,
//! so a token read on one portal is worthless on another.

use std::sync::{Arc, OnceLock};

use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use super::keys::Keys;
use super::realm::Realm;
use super::secret;
use crate::model::TenantId;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The request's token, for the forms of the page being rendered. It is
/// computed on first use only: most requests (a cached public page) never
/// show or check one. A first-time visitor has no cookie to bind it to; a
/// visitor id is then made with the token, and must be sent as a cookie
/// with the page that shows it ([`CsrfToken::issued_visitor`]).
#[derive(Debug, Clone)]
pub struct CsrfToken(Arc<Lazy>);

#[derive(Debug)]
struct Lazy {
    keys: Keys,
    realm: Realm,
    /// The session or visitor cookie's value; none for a first visit.
    binding: Option<String>,
    computed: OnceLock<Computed>,
}

#[derive(Debug)]
struct Computed {
    value: String,
    new_visitor: Option<String>,
}

impl CsrfToken {
    /// The token bound to `binding` (a session or visitor cookie's value),
    /// or, with none, to a visitor id made when the token is first used.
    pub fn new(keys: &Keys, tenant: TenantId, binding: Option<String>) -> Self {
        Self::in_realm(keys, Realm::Tenant(tenant), binding)
    }

    /// The token of `realm`: the platform console's tokens are labelled
    /// apart, so no tenant's token is ever one of them.
    pub fn in_realm(keys: &Keys, realm: Realm, binding: Option<String>) -> Self {
        Self(Arc::new(Lazy {
            keys: keys.clone(),
            realm,
            binding,
            computed: OnceLock::new(),
        }))
    }

    fn computed(&self) -> &Computed {
        let lazy = &self.0;
        lazy.computed.get_or_init(|| {
            let new_visitor = lazy.binding.is_none().then(secret::generate);
            let binding = lazy
                .binding
                .as_deref()
                .or(new_visitor.as_deref())
                .unwrap_or_default();
            Computed {
                value: compute(&lazy.keys, lazy.realm, binding),
                new_visitor,
            }
        })
    }

    /// The token, to put in a form.
    pub fn value(&self) -> &str {
        &self.computed().value
    }

    /// The visitor id the token was bound to, if it was made for this
    /// request: the response must set it as the visitor cookie.
    pub fn issued_visitor(&self) -> Option<&str> {
        self.0.computed.get()?.new_visitor.as_deref()
    }

    /// Whether `presented` is this token (in constant time).
    pub fn matches(&self, presented: &str) -> bool {
        self.value().as_bytes().ct_eq(presented.as_bytes()).into()
    }
}

fn compute(keys: &Keys, realm: Realm, binding: &str) -> String {
    let mac = match realm {
        Realm::Tenant(tenant) => {
            keys.mac(&[b"csrf", &tenant.get().to_be_bytes(), binding.as_bytes()])
        }
        Realm::Platform => keys.mac(&[b"csrf-platform", binding.as_bytes()]),
    };
    URL_SAFE_NO_PAD.encode(mac)
}

/// Methods that change nothing need no token.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says the request comes from this very origin: a
/// cross-site or same-site (another tenant's subdomain) request is refused
/// even before its token is looked at. Clients that send neither header
/// (old browsers, scripts) are judged by the token alone.
pub fn origin_allowed(headers: &HeaderMap, host: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
    }
}

/// How far into a multipart body its token may be: forms put it first.
pub const MULTIPART_SCAN: usize = 64 * 1024;

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// The token a request presents: the header, else the form field of an
/// urlencoded or multipart body.
pub fn presented(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(value) = headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return Some(value.to_owned());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return form_field(body);
    }
    if content_type.starts_with("multipart/form-data") {
        return multipart_field(body);
    }
    None
}

fn form_field(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.into_owned())
}

/// Finds `name="csrf_token"` in a multipart body and reads its value (our
/// tokens are URL-safe base64: no line breaks to worry about).
fn multipart_field(body: &[u8]) -> Option<String> {
    let marker = format!("name=\"{FIELD}\"");
    let at = find(body, marker.as_bytes())?;
    let rest = body.get(at..)?;
    let start = find(rest, b"\r\n\r\n")? + 4;
    let value = rest.get(start..)?;
    let end = find(value, b"\r\n")?;
    let token = std::str::from_utf8(value.get(..end)?).ok()?;
    (token.len() <= 64).then(|| token.to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn tokens_are_bound_to_tenant_and_cookie() -> Result<(), Box<dyn std::error::Error>> {
        let keys = Keys::from_bytes([1; 32]);
        let token = |tenant, cookie: &str| {
            CsrfToken::new(&keys, TenantId::new(tenant), Some(cookie.into()))
        };
        let value = token(1, "cookie-a").value().to_owned();
        assert!(token(1, "cookie-a").matches(&value));
        assert!(!token(2, "cookie-a").matches(&value));
        assert!(!token(1, "cookie-b").matches(&value));
        let platform = CsrfToken::in_realm(&keys, Realm::Platform, Some("cookie-a".into()));
        assert!(
            !platform.matches(&value),
            "no tenant's token is the console's"
        );
        assert!(!token(1, "cookie-a").matches(platform.value()));
        assert!(token(1, "cookie-a").issued_visitor().is_none());
        let first_visit = CsrfToken::new(&keys, TenantId::new(1), None);
        assert!(
            first_visit.issued_visitor().is_none(),
            "nothing made until used"
        );
        let shown = first_visit.value().to_owned();
        let Some(visitor) = first_visit.issued_visitor().map(str::to_owned) else {
            return Err("a visitor id was made with the token".into());
        };
        assert!(
            token(1, &visitor).matches(&shown),
            "bound to the visitor id it made"
        );
        Ok(())
    }

    #[test]
    fn tokens_are_found_in_forms_and_multipart() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        assert_eq!(
            presented(&headers, b"a=1&csrf_token=xyz").as_deref(),
            Some("xyz")
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=B"),
        );
        let body =
            b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n--B--\r\n";
        assert_eq!(presented(&headers, body).as_deref(), Some("abc"));
        assert_eq!(presented(&headers, b"--B--").as_deref(), None);
    }

    #[test]
    fn other_sites_and_origins_are_refused() {
        let mut headers = HeaderMap::new();
        assert!(origin_allowed(&headers, "a.example.org"));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-site"));
        assert!(!origin_allowed(&headers, "a.example.org"));
        headers.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(origin_allowed(&headers, "a.example.org"));
        headers.remove("sec-fetch-site");
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://b.example.org"),
        );
        assert!(!origin_allowed(&headers, "a.example.org"));
        headers.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://a.example.org"),
        );
        assert!(origin_allowed(&headers, "a.example.org"));
    }
}
