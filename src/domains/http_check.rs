//! The HTTP-token proof: fetch `http://<host>/.well-known/tessera-challenge/<token>`
//! at the address the host's DNS gives, and compare the body with what a
//! Tessera instance answers ([`crate::web::challenge`]). One plain HTTP/1.1
//! request, no redirects, a 5 s bound and a 1 KiB body cap. Addresses that
//! are not public are refused unless configured as our own ingress: a
//! claim must not make the server probe its own network.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper_util::rt::TokioIo;
use subtle::ConstantTimeEq;
use tokio::net::TcpStream;

use super::dns::{Answer, Dns};
use crate::auth::Keys;
use crate::config::DomainsConfig;
use crate::model::Hostname;
use crate::web::challenge;

const TIMEOUT: Duration = Duration::from_secs(5);
const BODY_LIMIT: usize = 1024;

pub async fn http_proof(
    dns: &Dns,
    keys: &Keys,
    config: &DomainsConfig,
    host: &Hostname,
    token: &str,
) -> Answer<()> {
    let addresses = match dns.addresses(host).await {
        Answer::Found(addresses) => addresses,
        Answer::Missing => return Answer::Missing,
        Answer::Unknown(code) => return Answer::Unknown(code),
    };
    let Some(address) = addresses.into_iter().find(|a| may_connect(a, config)) else {
        return Answer::Unknown("http_private_address");
    };
    let address = SocketAddr::new(address, config.http_check_port);
    let expected = challenge::answer(keys, host, token);
    match tokio::time::timeout(TIMEOUT, fetch(address, host, token)).await {
        Ok(Ok(Some(body))) if bool::from(body.trim().as_bytes().ct_eq(expected.as_bytes())) => {
            Answer::Found(())
        }
        Ok(Ok(_)) => Answer::Missing,
        Ok(Err(code)) => Answer::Unknown(code),
        Err(_) => Answer::Unknown("http_timeout"),
    }
}

/// The body of a 200 answer (`None` for any other status).
async fn fetch(
    address: SocketAddr,
    host: &Hostname,
    token: &str,
) -> Result<Option<String>, &'static str> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|_| "http_unreachable")?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| "http_unreachable")?;
    tokio::spawn(connection);
    let request = Request::get(format!("{}{token}", challenge::PATH_PREFIX))
        .header(header::HOST, host.as_str())
        .header(header::USER_AGENT, "tessera-domain-check")
        .body(Body::empty())
        .map_err(|_| "http_request")?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|_| "http_unreachable")?;
    if response.status() != StatusCode::OK {
        return Ok(None);
    }
    let body = Limited::new(response.into_body(), BODY_LIMIT)
        .collect()
        .await
        .map_err(|_| "http_body")?
        .to_bytes();
    Ok(String::from_utf8(body.to_vec()).ok())
}

/// Public addresses, and the ones configured as our own ingress.
fn may_connect(address: &IpAddr, config: &DomainsConfig) -> bool {
    config.ingress_addresses.contains(address) || is_public(address)
}

/// Whether `address` is on the public Internet (not loopback, private,
/// link-local, CGNAT, documentation, multicast, …): also the rule of the
/// push endpoints notifications POST to.
pub fn is_public(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            !(v4.is_private()
            || v4.is_loopback()
            || v4.is_link_local()
            || v4.is_unspecified()
            || v4.is_broadcast()
            || v4.is_documentation()
            || v4.is_multicast()
            // 100.64.0.0/10, carrier-grade NAT.
            || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| !is_public(&IpAddr::V4(v4))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_addresses_are_refused_unless_configured() {
        let mut config = DomainsConfig::default();
        for refused in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            let address: IpAddr = refused.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert!(!may_connect(&address, &config), "{refused}");
        }
        for allowed in ["93.184.215.14", "2a00:1450:4007:80e::200e"] {
            let address: IpAddr = allowed.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert!(may_connect(&address, &config), "{allowed}");
        }
        config.ingress_addresses.push(IpAddr::from([127, 0, 0, 1]));
        assert!(may_connect(&IpAddr::from([127, 0, 0, 1]), &config));
    }
}
