//! Layered configuration: built-in defaults < `tessera.toml` (optional) <
//! `TESSERA_*` environment variables (`__` separates sections, e.g.
//! `TESSERA_HTTP__PORT=8080`) < command-line flags. `DATABASE_URL` is honoured
//! as well. Validated once at start-up; secrets never print.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::model::Hostname;

mod crypto;
mod db;
mod deletion;
mod documents;
mod domains;
mod http;
mod links;
mod notifications;
mod overrides;
mod reporting;
mod storage;
mod stripe;
mod tls;
mod webhooks;
pub use crypto::CryptoConfig;
pub use db::{DbConfig, NodeConfig, PRIMARY_NODE, PoolerConfig, ReplicaConfig, is_node_name};
pub use deletion::DeletionConfig;
pub use documents::DocumentsConfig;
pub use domains::DomainsConfig;
pub use http::HttpConfig;
pub use links::PublicScheme;
pub use notifications::NotificationsConfig;
pub use overrides::{HttpOverrides, MetricsOverrides, Overrides, TlsOverrides};
pub use reporting::ReportingConfig;
pub use storage::{S3Config, StorageBackend, StorageConfig};
pub use stripe::StripeConfig;
pub use tls::{AcmeConfig, CertificateFiles, ChallengeKind, TlsConfig};
pub use webhooks::WebhooksConfig;

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    /// PostgreSQL URL; when absent, a private cluster runs under `data_dir`.
    pub database_url: Option<SecretString>,
    /// Where the private cluster and other local state live.
    pub data_dir: PathBuf,
    /// Host of the operator side; never resolves to a tenant.
    pub platform_host: Hostname,
    /// Every tenant gets `<slug>.<base_domain>` as its default host.
    pub base_domain: Hostname,
    /// Folder of `tenant.toml` manifests applied by `tessera tenant apply`.
    pub tenants_dir: PathBuf,
    /// Folder of themes on disk (the default theme is also built in).
    pub themes_dir: PathBuf,
    /// Re-read templates from disk on every render (development only).
    pub dev_mode: bool,
    /// Serve `/__bench/floor`, the fixed page of the `floor-http` benchmark.
    pub bench_routes: bool,
    pub http: HttpConfig,
    pub metrics: MetricsConfig,
    pub db: DbConfig,
    pub warm_pool: WarmPoolConfig,
    pub migrate: MigrateConfig,
    pub cache: CacheConfig,
    pub render: RenderConfig,
    pub log: LogConfig,
    pub jobs: JobsConfig,
    pub mail: MailConfig,
    pub auth: AuthConfig,
    pub api: ApiConfig,
    pub storage: StorageConfig,
    #[serde(default)]
    pub domains: DomainsConfig,
    #[serde(default)]
    pub documents: DocumentsConfig,
    #[serde(default)]
    pub deletion: DeletionConfig,
    #[serde(default)]
    pub tls: TlsConfig,
    #[serde(default)]
    pub crypto: CryptoConfig,
    #[serde(default)]
    pub notifications: NotificationsConfig,
    #[serde(default)]
    pub webhooks: WebhooksConfig,
    #[serde(default)]
    pub reporting: ReportingConfig,
    #[serde(default)]
    pub stripe: StripeConfig,
}

/// The job queue's worker (see `jobs`). Durations in milliseconds so that
/// tests can make retries fast.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobsConfig {
    /// Jobs run at the same time by this instance (0: it runs none).
    pub workers: usize,
    /// How often an idle worker looks for due jobs (it is also woken by
    /// `NOTIFY` when one is enqueued).
    pub poll_interval_ms: u64,
    /// A job failing this many times is dead-lettered.
    pub max_attempts: i32,
    /// Retry n waits `backoff_base_ms * 2^(n-1)`, at most `backoff_max_ms`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// A claimed job not finished within this time is claimed again (its
    /// worker is presumed dead); a handler is stopped after it.
    pub lease_ms: u64,
    /// Finished jobs are deleted after this many days; dead ones are kept.
    pub keep_done_days: u32,
}

/// How mails leave (see `mail`).
#[derive(Debug, Clone, Deserialize)]
pub struct MailConfig {
    /// `smtp`, `outbox` (kept in the database, shown on the platform host:
    /// the demo's) or `log`; unset: `log`, or `outbox` under `tessera demo`.
    pub transport: Option<MailTransport>,
    /// `smtp://host:port`, `smtps://user:pass@host`, … (lettre's URL form).
    pub smtp_url: Option<SecretString>,
    /// The sender's address; the display name is the tenant's name.
    pub from: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Smtp,
    Outbox,
    Log,
}

/// Sign-in protection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthConfig {
    /// Wrong passwords per account before exponential back-off starts.
    pub failures_per_account: u32,
    /// Wrong passwords per client address (across accounts) before back-off.
    pub failures_per_address: u32,
    /// Password hashes computed at once (default: half the cores).
    pub hash_parallelism: Option<usize>,
}

/// The JSON API (`/api/v1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiConfig {
    /// Requests a client address may make per second, on average…
    pub rate_per_second: u32,
    /// …and at once after a quiet spell.
    pub rate_burst: u32,
}

impl Config {
    /// Where tenants' files are stored on this machine.
    pub fn storage_dir(&self) -> PathBuf {
        self.storage
            .dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("storage"))
    }
}

/// Tenants' own templates render in worker processes (see `themes::sandbox`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RenderConfig {
    /// Worker processes at most.
    pub workers: usize,
    /// A render taking longer is stopped (the worker is killed).
    pub timeout_ms: u64,
    /// The `tessera` binary to start workers from (default: this one).
    pub worker_exe: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CacheConfig {
    /// Keep rendered public pages (e.g. a portal's home page for anonymous
    /// visitors) in memory until the tenant or its content changes.
    pub pages: bool,
    /// Upper bound on how long a cached page is served.
    pub page_ttl_secs: u64,
}

/// `GET /metrics` has a listener of its own, so platform-wide figures are
/// never reachable through the public port, whatever the `Host`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsConfig {
    /// Loopback by default: only the machine (or a sidecar) can scrape.
    pub host: IpAddr,
    /// No metrics listener when unset; 0 picks a free port.
    pub port: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MigrateConfig {
    /// A tenant migration run stops after this many failed schemas,
    /// leaving the rest at their old version (a broken migration would
    /// otherwise quarantine every tenant one after another).
    pub max_failures: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WarmPoolConfig {
    /// Pre-migrated spare schemas kept ready for instant provisioning (0 disables).
    pub size: u32,
    /// Seconds between background checks of the pool.
    pub refill_interval_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogConfig {
    /// `tracing` filter directives, e.g. `info,tessera=debug`.
    pub filter: String,
    /// `pretty` for terminals, `json` for log collectors.
    pub format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] Box<figment::Error>),
    #[error("configuration: {0}")]
    Invalid(&'static str),
    #[error("configuration: {0}")]
    InvalidNodes(String),
}

const DEFAULTS: &str = r#"
data_dir = ".tessera"
platform_host = "admin.localhost"
base_domain = "localhost"
tenants_dir = "tenants"
themes_dir = "themes"
dev_mode = false
bench_routes = false

[http]
host = "127.0.0.1"
port = 8080
request_timeout_secs = 30
body_limit_bytes = 2097152
secure_cookies = false
trust_forwarded_for = false

[metrics]
host = "127.0.0.1"

[db]
max_connections = 16
shards = 1
platform_connections = 4
acquire_timeout_secs = 10
max_connection_lifetime_secs = 1800
migrate_parallelism = 4

[migrate]
max_failures = 3

[warm_pool]
size = 3
refill_interval_secs = 30

[cache]
pages = true
page_ttl_secs = 60

[render]
workers = 2
timeout_ms = 2000

[log]
filter = "info"
format = "pretty"

[jobs]
workers = 2
poll_interval_ms = 1000
max_attempts = 8
backoff_base_ms = 5000
backoff_max_ms = 3600000
lease_ms = 300000
keep_done_days = 7

[auth]
failures_per_account = 5
failures_per_address = 30

[mail]
from = "noreply@localhost"

[api]
rate_per_second = 20
rate_burst = 100

[storage]
"#;

impl Config {
    /// Loads defaults, then `file` (if it exists), then the environment, then
    /// `overrides`.
    pub fn load(file: &Path, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        if file.exists() {
            figment = figment.merge(Toml::file(file));
        }
        let config: Config = figment
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database_url".into()),
            )
            .merge(Env::prefixed("TESSERA_").split("__"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(problem) = self.db.nodes_problem() {
            return Err(ConfigError::InvalidNodes(problem));
        }
        if self.db.shards == 0 || self.db.max_connections < self.db.shards {
            return Err(ConfigError::Invalid(
                "db.shards must be at least 1 and at most db.max_connections",
            ));
        }
        if self.mail.transport == Some(MailTransport::Smtp) && self.mail.smtp_url.is_none() {
            return Err(ConfigError::Invalid(
                "mail.smtp_url is required when mail.transport = \"smtp\"",
            ));
        }
        if self.jobs.max_attempts < 1 || self.jobs.lease_ms == 0 || self.jobs.poll_interval_ms == 0
        {
            return Err(ConfigError::Invalid(
                "jobs.max_attempts, jobs.lease_ms and jobs.poll_interval_ms must be at least 1",
            ));
        }
        if self
            .db
            .pooler
            .as_ref()
            .is_some_and(|p| p.host.is_empty() || p.port == 0)
        {
            return Err(ConfigError::Invalid(
                "db.pooler needs a host and a port other than 0",
            ));
        }
        if self.db.platform_connections == 0 || self.db.migrate_parallelism == 0 {
            return Err(ConfigError::Invalid(
                "db.platform_connections and db.migrate_parallelism must be at least 1",
            ));
        }
        if self.tls.https_port.is_some() && self.tls.handshake_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "tls.handshake_timeout_secs must be at least 1",
            ));
        }
        self.storage.validate().map_err(ConfigError::Invalid)?;
        self.documents.validate().map_err(ConfigError::Invalid)?;
        if self.http.public_port == Some(0) {
            return Err(ConfigError::Invalid(
                "http.public_port is the port browsers use: 1 to 65535",
            ));
        }
        Ok(())
    }
}
