//! `[domains]`: how custom domains are proven and checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::model::Hostname;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DomainsConfig {
    /// The name customers point a subdomain at (`CNAME`), e.g.
    /// `sites.tessera.example`. Unset: only addresses are shown and checked.
    pub cname_target: Option<Hostname>,
    /// The public addresses an apex domain points at (`A` / `AAAA`).
    pub ipv4: Vec<Ipv4Addr>,
    pub ipv6: Vec<Ipv6Addr>,
    /// Private or loopback addresses the HTTP-token check may connect to
    /// (it refuses any other non-public address, so that a claim cannot
    /// make the server reach into its own network).
    pub ingress_addresses: Vec<IpAddr>,
    /// DNS servers to ask (`ip:port`); empty: the system's resolver.
    pub nameservers: Vec<std::net::SocketAddr>,
    /// The port the HTTP-token check connects to.
    pub http_check_port: u16,
    /// Custom domains a tenant may hold or claim at once.
    pub max_per_tenant: i64,
    /// Days a verified domain may fail its checks before it stops routing.
    pub grace_days: i32,
    /// Days a pending claim waits for proof before it expires.
    pub pending_days: i32,
    /// Days during which a released domain may only be claimed again by TXT.
    pub release_quarantine_days: i32,
    /// Seconds one DNS question may take.
    pub dns_timeout_secs: u64,
}

impl Default for DomainsConfig {
    fn default() -> Self {
        Self {
            cname_target: None,
            ipv4: Vec::new(),
            ipv6: Vec::new(),
            ingress_addresses: Vec::new(),
            nameservers: Vec::new(),
            http_check_port: 80,
            max_per_tenant: 5,
            grace_days: 7,
            pending_days: 14,
            release_quarantine_days: 90,
            dns_timeout_secs: 3,
        }
    }
}

impl DomainsConfig {
    /// Whether the platform knows where customers' DNS should point, so
    /// that "does it point here" can be answered.
    pub fn knows_targets(&self) -> bool {
        self.cname_target.is_some() || !self.ipv4.is_empty() || !self.ipv6.is_empty()
    }
}
