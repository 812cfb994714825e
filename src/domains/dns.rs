//! Questions to DNS about a custom domain, through a real resolver
//! (hickory): is the TXT proof published, does the host point here, and at
//! which addresses. Answers are never cached on our side — a customer who
//! just fixed a record must see it count — and "could not ask" (a timeout,
//! a refused server) is kept apart from "the record is not there", so that
//! a DNS outage never takes a verified domain away.

use std::net::IpAddr;
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver, TokioResolver};
use subtle::ConstantTimeEq;

use crate::config::DomainsConfig;
use crate::model::Hostname;

/// Where the proof record lives, under the exact host (never the apex:
/// whoever runs a subdomain may not control the apex's zone).
pub const CHALLENGE_LABEL: &str = "_tessera-challenge";

/// What one question found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    Found(T),
    /// The name or record is not there.
    Missing,
    /// The question got no answer (timeout, refused, server failure): says
    /// nothing about the domain. The code is shown to the user.
    Unknown(&'static str),
}

/// Whether the host's DNS leads to this platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pointing {
    Here,
    Missing,
    Elsewhere,
    /// The platform has no targets configured, or DNS did not answer.
    Unknown,
}

impl Pointing {
    pub fn as_status(self) -> &'static str {
        match self {
            Self::Here => "ok",
            Self::Missing => "missing",
            Self::Elsewhere => "wrong_target",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    config: DomainsConfig,
}

impl std::fmt::Debug for Dns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dns")
            .field("nameservers", &self.config.nameservers)
            .finish()
    }
}

impl Dns {
    pub fn new(config: &DomainsConfig) -> Result<Self, NetError> {
        let mut builder = if config.nameservers.is_empty() {
            TokioResolver::builder_tokio()?
        } else {
            let servers = config
                .nameservers
                .iter()
                .map(|addr| {
                    let mut udp = ConnectionConfig::udp();
                    udp.port = addr.port();
                    let mut tcp = ConnectionConfig::tcp();
                    tcp.port = addr.port();
                    let mut server = NameServerConfig::udp(addr.ip());
                    server.connections = vec![udp, tcp];
                    server
                })
                .collect();
            Resolver::builder_with_config(
                ResolverConfig::from_name_servers(servers),
                TokioRuntimeProvider::default(),
            )
        };
        fresh_answers(builder.options_mut(), config.dns_timeout_secs);
        Ok(Self {
            resolver: builder.build()?,
            config: config.clone(),
        })
    }

    /// Whether `_tessera-challenge.<host>` holds `tessera-verify=<token>`.
    pub async fn txt_proof(&self, host: &Hostname, token: &str) -> Answer<()> {
        let name = format!("{CHALLENGE_LABEL}.{}.", host.as_str());
        let expected = txt_value(token);
        let lookup = match self.resolver.lookup(name.as_str(), RecordType::TXT).await {
            Ok(lookup) => lookup,
            Err(error) => return failure(&error),
        };
        let found = lookup.answers().iter().any(|record| match &record.data {
            RData::TXT(txt) => {
                let joined: Vec<u8> = txt
                    .txt_data
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect();
                bool::from(joined.trim_ascii().ct_eq(expected.as_bytes()))
            }
            _ => false,
        });
        if found {
            Answer::Found(())
        } else {
            Answer::Missing
        }
    }

    /// The host's addresses (following CNAMEs).
    pub async fn addresses(&self, host: &Hostname) -> Answer<Vec<IpAddr>> {
        match self.resolver.lookup_ip(format!("{}.", host.as_str())).await {
            Ok(found) => {
                let addresses: Vec<IpAddr> = found.iter().collect();
                if addresses.is_empty() {
                    Answer::Missing
                } else {
                    Answer::Found(addresses)
                }
            }
            Err(error) => failure(&error),
        }
    }

    /// Whether the host leads here: a CNAME to the configured target, or
    /// only addresses of this platform.
    pub async fn pointing(&self, host: &Hostname) -> Pointing {
        if !self.config.knows_targets() {
            return Pointing::Unknown;
        }
        if let Some(target) = &self.config.cname_target
            && self.cname_of(host).await.as_ref() == Some(target)
        {
            return Pointing::Here;
        }
        match self.addresses(host).await {
            Answer::Found(addresses) if addresses.iter().all(|a| self.is_ours(a)) => Pointing::Here,
            Answer::Found(_) => Pointing::Elsewhere,
            Answer::Missing => Pointing::Missing,
            Answer::Unknown(_) => Pointing::Unknown,
        }
    }

    async fn cname_of(&self, host: &Hostname) -> Option<Hostname> {
        let name = format!("{}.", host.as_str());
        let lookup = self
            .resolver
            .lookup(name.as_str(), RecordType::CNAME)
            .await
            .ok()?;
        lookup
            .answers()
            .iter()
            .find_map(|record| match &record.data {
                RData::CNAME(cname) => Hostname::parse(&cname.0.to_ascii()).ok(),
                _ => None,
            })
    }

    fn is_ours(&self, address: &IpAddr) -> bool {
        match address {
            IpAddr::V4(v4) => self.config.ipv4.contains(v4),
            IpAddr::V6(v6) => self.config.ipv6.contains(v6),
        }
    }
}

/// The TXT record's content for `token`.
pub fn txt_value(token: &str) -> String {
    format!("tessera-verify={token}")
}

/// No cache, no hosts file, no search domains (names are asked fully
/// qualified), a short timeout and one retry.
fn fresh_answers(options: &mut ResolverOpts, timeout_secs: u64) {
    options.cache_size = 0;
    options.positive_max_ttl = Some(Duration::ZERO);
    options.negative_max_ttl = Some(Duration::ZERO);
    options.use_hosts_file = ResolveHosts::Never;
    options.ndots = 0;
    options.timeout = Duration::from_secs(timeout_secs.max(1));
    options.attempts = 2;
}

fn failure<T>(error: &NetError) -> Answer<T> {
    if error.is_no_records_found() {
        return Answer::Missing;
    }
    tracing::debug!(%error, "DNS question not answered");
    Answer::Unknown("dns_unreachable")
}
