//! Which push endpoints the server will POST to. A member hands us the URL
//! (their browser's subscription), so without rules a member could make
//! the server send requests into its own network (SSRF). The rules:
//!
//! 1. When subscribing and again before each send: `https` only, no user
//!    or password, the default port, and a DNS name, never an IP literal
//!    or a `localhost` name; at most 2048 bytes.
//! 2. When sending: the name is resolved by [`PublicOnly`] and only public
//!    addresses are kept (no loopback, private, link-local, CGNAT, …: the
//!    rule of `domains::is_public`); the connection goes to one of those
//!    very addresses, so a DNS answer that changes between the check and
//!    the connection cannot point it inward. TLS is verified for the name.
//! 3. No redirect is followed; the answer's body is read up to 4 KiB.
//!
//! For tests only, `notifications.allow_loopback_push` also accepts
//! `http://127.0.0.1:<port>/…` and `http://[::1]:<port>/…`.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use url::{Host, Url};

/// Longest endpoint accepted.
pub const MAX_LENGTH: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("the push endpoint is not a valid URL of at most 2048 bytes")]
    Invalid,
    #[error("the push endpoint must be an https URL on the default port")]
    NotHttps,
    #[error("the push endpoint must name a public push service")]
    NotPublic,
}

/// A checked endpoint: where to POST, and its origin (the VAPID audience).
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub uri: axum::http::Uri,
    pub origin: String,
}

/// Applies rule 1 to `text`.
pub fn check(text: &str, allow_loopback: bool) -> Result<Endpoint, EndpointError> {
    if text.len() > MAX_LENGTH {
        return Err(EndpointError::Invalid);
    }
    let url = Url::parse(text).map_err(|_| EndpointError::Invalid)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(EndpointError::Invalid);
    }
    let loopback = match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if allow_loopback && loopback && url.scheme() == "http" {
        return finish(&url);
    }
    if url.scheme() != "https" || url.port().is_some_and(|port| port != 443) {
        return Err(EndpointError::NotHttps);
    }
    match url.host() {
        Some(Host::Domain(name)) if is_public_name(name) => finish(&url),
        _ => Err(EndpointError::NotPublic),
    }
}

fn finish(url: &Url) -> Result<Endpoint, EndpointError> {
    let uri = url
        .as_str()
        .parse::<axum::http::Uri>()
        .map_err(|_| EndpointError::Invalid)?;
    Ok(Endpoint {
        uri,
        origin: url.origin().ascii_serialization(),
    })
}

/// A name that can only mean something on the public Internet: dotted,
/// not `localhost` or one of its subdomains, not a local-only suffix.
fn is_public_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let local = ["localhost", "local", "internal", "home.arpa", "lan"];
    name.contains('.')
        && !local
            .iter()
            .any(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
}

/// The resolver of the push client: the system's answers, public
/// addresses only (rule 2). With no public address left, no connection.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnly;

type Resolving =
    Pin<Box<dyn Future<Output = std::io::Result<std::vec::IntoIter<SocketAddr>>> + Send>>;

impl tower::Service<Name> for PublicOnly {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found
                .filter(|address| crate::domains::is_public(&address.ip()))
                .collect();
            if public.is_empty() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the push service has no public address",
                ));
            }
            Ok(public.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_services_are_accepted() {
        let fine = check("https://fcm.googleapis.com/fcm/send/abc", false)
            .map(|e| e.origin)
            .unwrap_or_default();
        assert_eq!(fine, "https://fcm.googleapis.com");
        assert!(check("https://push.example.org:443/x", false).is_ok());
        for (refused, why) in [
            ("http://push.example.org/x", EndpointError::NotHttps),
            ("https://push.example.org:8443/x", EndpointError::NotHttps),
            ("https://127.0.0.1/x", EndpointError::NotPublic),
            ("https://10.0.0.1/x", EndpointError::NotPublic),
            ("https://[::1]/x", EndpointError::NotPublic),
            ("https://169.254.169.254/latest", EndpointError::NotPublic),
            ("https://localhost/x", EndpointError::NotPublic),
            ("https://a.localhost/x", EndpointError::NotPublic),
            ("https://metadata/x", EndpointError::NotPublic),
            ("https://db.internal/x", EndpointError::NotPublic),
            ("https://user:pw@push.example.org/x", EndpointError::Invalid),
            ("not a url", EndpointError::Invalid),
            ("http://127.0.0.1:9/x", EndpointError::NotHttps),
        ] {
            assert_eq!(check(refused, false).err(), Some(why), "{refused}");
        }
        let long = format!("https://push.example.org/{}", "a".repeat(MAX_LENGTH));
        assert_eq!(check(&long, false).err(), Some(EndpointError::Invalid));
    }

    #[test]
    fn loopback_is_for_tests_only() {
        assert!(check("http://127.0.0.1:9000/push/1", true).is_ok());
        assert!(check("http://[::1]:9000/push/1", true).is_ok());
        // Still only loopback: not the private network.
        assert!(check("http://10.0.0.1:9000/push/1", true).is_err());
        assert!(check("http://localhost:9000/push/1", true).is_err());
    }
}
