//! `[tls]`: the HTTPS listener, certificates given as files, the demo's
//! local CA and `[tls.acme]`, where certificates of custom domains come from.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TlsConfig {
    /// The HTTPS port (443 in production); unset: no TLS listener.
    pub https_port: Option<u16>,
    /// The port browsers use for HTTPS, when it is not the listener's (a
    /// port mapping in front of us). Unset: the listener's.
    pub public_https_port: Option<u16>,
    /// Seconds a client has to finish its handshake before it is dropped.
    pub handshake_timeout_secs: u64,
    /// `Strict-Transport-Security` max-age on tenant hosts served with a
    /// valid certificate; 0 sends no header.
    pub hsts_max_age_secs: u64,
    /// Answer plain HTTP with a redirect to HTTPS on hosts we hold a
    /// certificate for (never ACME challenges nor `/healthz`).
    pub redirect_http: bool,
    /// 32 bytes in base64 that seal private keys at rest. Unset: a key file
    /// made at first start under `data_dir` (fine for one machine; give
    /// every instance the same key in production).
    pub storage_key: Option<SecretString>,
    /// Handshakes for names we do not serve that one client address may
    /// attempt per minute; beyond, its connections are closed at once.
    pub unknown_names_per_minute: u32,
    /// Certificates given as files (the platform host, a wildcard for the
    /// base domain): served for the names they hold.
    pub certificates: Vec<CertificateFiles>,
    /// Issue certificates for every host from a local CA kept in
    /// `local_ca_dir` (the demo's; browsers must be told to trust it).
    pub local_ca: bool,
    pub local_ca_dir: PathBuf,
    pub acme: AcmeConfig,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            https_port: None,
            public_https_port: None,
            handshake_timeout_secs: 10,
            hsts_max_age_secs: 31_536_000,
            redirect_http: true,
            storage_key: None,
            unknown_names_per_minute: 60,
            certificates: Vec::new(),
            local_ca: false,
            local_ca_dir: PathBuf::from("certs"),
            acme: AcmeConfig::default(),
        }
    }
}

impl TlsConfig {
    /// The HTTPS port in the links and redirects we make.
    pub fn public_port(&self) -> Option<u16> {
        self.public_https_port.or(self.https_port)
    }
}

/// A PEM chain and its PEM private key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Which challenge proves a domain to the ACME server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChallengeKind {
    #[serde(rename = "http-01")]
    Http01,
    #[serde(rename = "tls-alpn-01")]
    TlsAlpn01,
}

impl ChallengeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Http01 => "http-01",
            Self::TlsAlpn01 => "tls-alpn-01",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AcmeConfig {
    /// The ACME directory URL (Let's Encrypt:
    /// `https://acme-v02.api.letsencrypt.org/directory`); unset: no ACME.
    pub directory: Option<String>,
    /// Contact addresses given to the ACME server (`mailto:…`); the first
    /// one also gets our alerts about repeated failures.
    pub contact: Vec<String>,
    /// A PEM file holding the only root trusted for the directory (a test
    /// server's); unset: the usual web roots.
    pub ca_file: Option<PathBuf>,
    /// The challenge tried first; the other one if the server lacks it.
    pub challenge: ChallengeKind,
    /// How often each instance looks for certificates to order or renew
    /// (it is also woken by changes).
    pub check_interval_secs: u64,
    /// Failure n waits `retry_base_secs * 2^(n-1)`, at most `retry_max_secs`.
    pub retry_base_secs: u64,
    pub retry_max_secs: u64,
    /// Failures in a row after which the operators are alerted.
    pub alert_after_failures: i32,
    /// Orders placed per hour across instances (Let's Encrypt allows 300
    /// new orders per account per 3 hours).
    pub orders_per_hour: i64,
    /// How long one order may take, validation included.
    pub order_timeout_secs: u64,
    /// First poll of an order's progress, in milliseconds (then ×1.5).
    pub poll_initial_ms: u64,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        Self {
            directory: None,
            contact: Vec::new(),
            ca_file: None,
            challenge: ChallengeKind::Http01,
            check_interval_secs: 60,
            retry_base_secs: 300,
            retry_max_secs: 86_400,
            alert_after_failures: 5,
            orders_per_hour: 90,
            order_timeout_secs: 120,
            poll_initial_ms: 500,
        }
    }
}
