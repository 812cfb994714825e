//! Where the server will POST. An administrator types the URL, so without
//! rules they could make the server send requests into its own network
//! (SSRF). The rules, applied when an endpoint is saved AND before each
//! delivery:
//!
//! 1. [`check`]: `https`, no user or password, no fragment, at most 2048
//!    bytes; the host is a public IP literal or a dotted DNS name that is
//!    not `localhost` or a local-only suffix.
//! 2. [`resolve`]: every address the name resolves to must be public
//!    ([`is_public`]: no loopback, private, link-local, CGNAT, multicast,
//!    reserved, documentation, unspecified, IPv6 unique-local, site-local,
//!    or IPv4 embedded in IPv6 that is any of those). A name with one
//!    such address is refused outright: it is either misconfigured or
//!    rebinding.
//! 3. At delivery the connector resolves through [`PublicOnly`], which
//!    applies rule 2 and hands the connector those very addresses, so an
//!    answer that changes between the check and the connection cannot
//!    point it inward. (An IP literal is not resolved; rule 1 checked it.)
//!
//! For tests only, `webhooks.allow_loopback` also accepts
//! `http://127.0.0.1:<port>/…` and `http://[::1]:<port>/…`: loopback
//! literals, never a name, never the private network.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::client::legacy::connect::dns::Name;
use url::{Host, Url};

/// Longest URL accepted.
pub const MAX_LENGTH: usize = 2048;
/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a valid absolute URL of at most 2048 bytes, without user, password or fragment")]
    Invalid,
    #[error("the URL must use https")]
    NotHttps,
    #[error("the URL must name a public host (no loopback, private or local address)")]
    NotPublic,
    #[error("the host name does not resolve")]
    Unresolvable,
}

/// Applies rule 1 to `text`; the parsed URL when it passes.
pub fn check(text: &str, allow_loopback: bool) -> Result<Url, UrlError> {
    if text.len() > MAX_LENGTH || text.trim() != text {
        return Err(UrlError::Invalid);
    }
    let url = Url::parse(text).map_err(|_| UrlError::Invalid)?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(UrlError::Invalid);
    }
    let host = url.host().ok_or(UrlError::Invalid)?;
    let loopback = match host {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(_) => false,
    };
    if allow_loopback && loopback && matches!(url.scheme(), "http" | "https") {
        return Ok(url);
    }
    if url.scheme() != "https" {
        return Err(UrlError::NotHttps);
    }
    let public = match host {
        Host::Ipv4(ip) => is_public(IpAddr::V4(ip)),
        Host::Ipv6(ip) => is_public(IpAddr::V6(ip)),
        Host::Domain(name) => is_public_name(name),
    };
    match public {
        true => Ok(url),
        false => Err(UrlError::NotPublic),
    }
}

/// Rules 1 and 2: what a URL must pass to be saved. With the test flag,
/// a loopback literal passes without resolution.
pub async fn check_and_resolve(text: &str, allow_loopback: bool) -> Result<Url, UrlError> {
    let url = check(text, allow_loopback)?;
    if let Some(Host::Domain(name)) = url.host() {
        resolve(name).await?;
    }
    Ok(url)
}

/// Rule 2: the addresses of `name`, every one of them public.
pub async fn resolve(name: &str) -> Result<Vec<IpAddr>, UrlError> {
    let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, 0)))
        .await
        .map_err(|_| UrlError::Unresolvable)?
        .map_err(|_| UrlError::Unresolvable)?;
    let addresses: Vec<IpAddr> = found.map(|address| address.ip()).collect();
    all_public(addresses)
}

/// Rule 2 on addresses already resolved.
fn all_public(addresses: Vec<IpAddr>) -> Result<Vec<IpAddr>, UrlError> {
    if addresses.is_empty() {
        return Err(UrlError::Unresolvable);
    }
    match addresses.iter().all(|ip| is_public(*ip)) {
        true => Ok(addresses),
        false => Err(UrlError::NotPublic),
    }
}

/// A name that can only mean something on the public Internet: dotted,
/// not `localhost` or one of its subdomains, not a local-only suffix.
fn is_public_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let local = [
        "localhost",
        "localdomain",
        "local",
        "internal",
        "intranet",
        "home.arpa",
        "lan",
        "corp",
        "private",
    ];
    name.contains('.')
        && !local
            .iter()
            .any(|suffix| name == *suffix || name.ends_with(&format!(".{suffix}")))
}

/// IPv4 networks that are not the public Internet (RFC 6890 and its
/// updates): this network, private, CGNAT, loopback, link-local, IETF
/// protocol assignments, documentation, 6to4 relays, benchmarking,
/// multicast, reserved and broadcast.
const V4_NOT_PUBLIC: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),
    ([10, 0, 0, 0], 8),
    ([100, 64, 0, 0], 10),
    ([127, 0, 0, 0], 8),
    ([169, 254, 0, 0], 16),
    ([172, 16, 0, 0], 12),
    ([192, 0, 0, 0], 24),
    ([192, 0, 2, 0], 24),
    ([192, 88, 99, 0], 24),
    ([192, 168, 0, 0], 16),
    ([198, 18, 0, 0], 15),
    ([198, 51, 100, 0], 24),
    ([203, 0, 113, 0], 24),
    ([224, 0, 0, 0], 4),
    ([240, 0, 0, 0], 4),
];

/// IPv6 networks that are not the public Internet: `::/96` (unspecified,
/// loopback, IPv4-compatible), local-use NAT64, discard, IETF protocol
/// assignments (Teredo among them), documentation, unique-local,
/// link-local, site-local and multicast.
const V6_NOT_PUBLIC: &[(u128, u32)] = &[
    (0, 96),
    (0x0064_ff9b_0001 << 80, 48),
    (0x0100 << 112, 64),
    (0x2001 << 112, 23),
    (0x2001_0db8 << 96, 32),
    (0xfc00 << 112, 7),
    (0xfe80 << 112, 10),
    (0xfec0 << 112, 10),
    (0xff00 << 112, 8),
];

fn in_network(address: u128, network: u128, prefix: u32, bits: u32) -> bool {
    let shift = bits.saturating_sub(prefix);
    // A prefix of 0 would shift by the full width, which `checked_shr` refuses.
    let keep = |value: u128| value.checked_shr(shift).unwrap_or(0);
    keep(address) == keep(network)
}

/// Whether a connection to `ip` can only reach the public Internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !V4_NOT_PUBLIC.iter().any(|(network, prefix)| {
            let network = u128::from(u32::from(Ipv4Addr::from(*network)));
            in_network(u128::from(u32::from(v4)), network, *prefix, 32)
        }),
        IpAddr::V6(v6) => {
            if let Some(v4) = embedded_v4(v6) {
                return is_public(IpAddr::V4(v4));
            }
            let value = u128::from(v6);
            !V6_NOT_PUBLIC
                .iter()
                .any(|(network, prefix)| in_network(value, *network, *prefix, 128))
        }
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:0:0/96`), NAT64
/// (`64:ff9b::/96`) or 6to4 (`2002::/16`) address: judged as itself.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let value = u128::from(v6);
    let low = Ipv4Addr::from((value & 0xffff_ffff) as u32);
    if let Some(mapped) = v6.to_ipv4_mapped() {
        return Some(mapped);
    }
    if value >> 32 == 0x0064_ff9b << 64 {
        return Some(low);
    }
    if value >> 112 == 0x2002 {
        return Some(Ipv4Addr::from(((value >> 80) & 0xffff_ffff) as u32));
    }
    None
}

/// The resolver of the delivery client: rule 2, and only the checked
/// addresses are handed to the connector.
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
            let addresses = resolve(name.as_str()).await.map_err(|error| {
                std::io::Error::new(std::io::ErrorKind::PermissionDenied, error)
            })?;
            let checked: Vec<SocketAddr> = addresses
                .into_iter()
                .map(|ip| SocketAddr::new(ip, 0))
                .collect();
            Ok(checked.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_urls_pass() {
        for good in [
            "https://hooks.example.org/tessera",
            "https://hooks.example.org:8443/x?y=1",
            "https://93.184.215.14/hook",
            "https://[2606:4700::1111]/hook",
        ] {
            assert!(check(good, false).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("http://hooks.example.org/x", UrlError::NotHttps),
            ("ftp://hooks.example.org/x", UrlError::NotHttps),
            ("https://127.0.0.1/x", UrlError::NotPublic),
            ("https://2130706433/x", UrlError::NotPublic),
            ("https://0x7f.1/x", UrlError::NotPublic),
            ("https://10.1.2.3/x", UrlError::NotPublic),
            ("https://100.100.1.1/x", UrlError::NotPublic),
            ("https://169.254.169.254/latest", UrlError::NotPublic),
            ("https://[::1]/x", UrlError::NotPublic),
            ("https://[::ffff:10.0.0.1]/x", UrlError::NotPublic),
            ("https://[fd00::1]/x", UrlError::NotPublic),
            ("https://localhost/x", UrlError::NotPublic),
            ("https://api.localhost/x", UrlError::NotPublic),
            ("https://metadata/x", UrlError::NotPublic),
            ("https://db.internal/x", UrlError::NotPublic),
            ("https://printer.local./x", UrlError::NotPublic),
            ("https://user:pw@hooks.example.org/x", UrlError::Invalid),
            ("https://hooks.example.org/x#frag", UrlError::Invalid),
            (" https://hooks.example.org/x", UrlError::Invalid),
            ("not a url", UrlError::Invalid),
            ("http://127.0.0.1:9/x", UrlError::NotHttps),
        ] {
            assert_eq!(check(bad, false).err(), Some(why), "{bad}");
        }
        let long = format!("https://hooks.example.org/{}", "a".repeat(MAX_LENGTH));
        assert_eq!(check(&long, false).err(), Some(UrlError::Invalid));
    }

    #[test]
    fn loopback_literals_are_for_tests_only() {
        assert!(check("http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check("http://[::1]:9000/hook", true).is_ok());
        assert!(check("http://10.0.0.1:9000/hook", true).is_err());
        assert!(check("http://localhost:9000/hook", true).is_err());
        assert!(check("http://192.168.1.1/hook", true).is_err());
    }

    #[test]
    fn addresses_outside_the_public_internet_are_refused() {
        for refused in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.1",
            "203.0.113.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::10.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:192.168.0.1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "2002:0a00:0001::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            let ip = refused.parse::<IpAddr>();
            assert!(ip.is_ok_and(|ip| !is_public(ip)), "{refused}");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "93.184.215.14",
            "100.128.0.1",
            "172.32.0.1",
            "2606:4700::1111",
            "2a00:1450:4007::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            let ip = public.parse::<IpAddr>();
            assert!(ip.is_ok_and(is_public), "{public}");
        }
    }

    #[test]
    fn one_inward_address_refuses_the_whole_name() {
        let public: IpAddr = IpAddr::V4(Ipv4Addr::new(93, 184, 215, 14));
        let private: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(all_public(vec![public]), Ok(vec![public]));
        assert_eq!(all_public(vec![public, private]), Err(UrlError::NotPublic));
        assert_eq!(all_public(Vec::new()), Err(UrlError::Unresolvable));
    }
}
