//! `[http]`: the public listener, what the client sent through a proxy or
//! balancer, and how mailed links reach browsers.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::PublicScheme;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpConfig {
    pub host: IpAddr,
    pub port: u16,
    /// Seconds a request may take before it is answered with 408/503.
    pub request_timeout_secs: u64,
    /// Largest accepted request body, in bytes.
    pub body_limit_bytes: usize,
    /// Browsers reach us over HTTPS (TLS here or in front of us): cookies
    /// are `Secure` and `__Host-` on every host. Without it only
    /// `localhost` names get secure cookies.
    pub secure_cookies: bool,
    /// Take the client address from the last `X-Forwarded-For` entry (only
    /// behind a proxy that sets it; otherwise clients could pick theirs).
    pub trust_forwarded_for: bool,
    /// How browsers reach us, for the links we mail. Unset: `https` (TLS
    /// here or in front of us); `tessera demo` sets `http`.
    #[serde(default)]
    pub public_scheme: Option<PublicScheme>,
    /// The port browsers use, for links mailed by jobs (which have no
    /// request to take it from). Unset: the scheme's default port.
    #[serde(default)]
    pub public_port: Option<u16>,
    /// On SIGTERM, seconds spent still serving while `/readyz` says 503,
    /// so that a balancer stops routing here first (a few of its probe
    /// intervals); then in-flight requests finish and the process exits.
    #[serde(default)]
    pub drain_secs: u64,
    /// Every connection to the HTTP and HTTPS ports starts with a PROXY
    /// protocol header (v1 or v2, HAProxy's `send-proxy-v2`), whose source
    /// is the client's address. Only behind a balancer that sends it, with
    /// the ports reachable from it alone: others could name any address.
    #[serde(default)]
    pub proxy_protocol: bool,
}
