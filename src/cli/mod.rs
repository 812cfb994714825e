//! The `tessera` command line: argument definitions and dispatch. Each
//! subcommand lives in its own file and uses the same library functions the
//! server and the tests use.

mod affiliation;
mod bench;
mod certs;
mod contributions;
mod crypto;
mod database;
mod demo;
mod doctor;
mod domain;
mod jobs;
mod migrate;
mod operator;
mod probe;
mod reporting;
mod serve;
mod tenant;
mod theme;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use database::DatabaseHandle;

use crate::config::{Config, HttpOverrides, MetricsOverrides, Overrides, TlsOverrides};

#[derive(Debug, Parser)]
#[command(
    name = "tessera",
    version,
    about = "Branded contribution portals for many associations, from one server."
)]
pub struct Cli {
    /// Configuration file (optional; defaults < file < TESSERA_* env < flags).
    #[arg(
        long,
        global = true,
        default_value = "tessera.toml",
        env = "TESSERA_CONFIG"
    )]
    pub config: PathBuf,
    /// Where the embedded PostgreSQL cluster and local state live.
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(ServeArgs),
    /// Run a demo: embedded PostgreSQL, the tenants of ./tenants, sample content.
    Demo(DemoArgs),
    /// Apply pending migrations to the platform schema and every tenant schema.
    Migrate(migrate::MigrateArgs),
    /// Create, inspect and change tenants.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Themes: list them, check or preview a tenant's pages.
    #[command(subcommand)]
    Theme(theme::ThemeCommand),
    /// Manage a tenant's accounts: create, list, set-role, deactivate.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Benchmark data and workloads (see benches/run.sh).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// An association's payments as CSV; its renewal reminders sent now.
    #[command(subcommand)]
    Contributions(contributions::ContributionsCommand),
    /// The job queue: list jobs (the dead-letter queue with --dead), retry one.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// Platform operators: create, make API tokens, change, deactivate.
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// A tenant's custom domains: list, add, verify, make primary, remove.
    #[command(subcommand)]
    Domain(domain::DomainCommand),
    /// Certificates of custom domains: list them, order one now.
    #[command(subcommand)]
    Certs(certs::CertsCommand),
    /// The platform's referral programme: fees, refunds, ledger, sweep.
    #[command(subcommand)]
    Affiliation(affiliation::AffiliationCommand),
    /// Reporting: publish tenants' figures to the platform now.
    #[command(subcommand)]
    Reporting(reporting::ReportingCommand),
    /// Sealed columns: bring them all under the active key of `[crypto]`.
    #[command(subcommand)]
    Crypto(crypto::CryptoCommand),
    /// Check the configuration, PostgreSQL, the pooler, migrations, the job
    /// queue and certificates; changes nothing.
    Doctor,
    /// Ask the local server for a probe page (a container health check).
    Probe {
        /// `/healthz` (database answers), `/readyz` (and not draining) or `/livez`.
        #[arg(default_value = "/healthz")]
        path: String,
    },
    /// Internal: render tenants' templates for a server (started by it).
    #[command(hide = true)]
    RenderWorker {
        #[arg(long)]
        themes_dir: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (overrides http.port).
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to listen on (overrides http.host).
    #[arg(long)]
    pub host: Option<std::net::IpAddr>,
    /// Serve `/metrics` on this port of `metrics.host` (loopback by default).
    #[arg(long)]
    pub metrics_port: Option<u16>,
    /// Serve HTTPS on this port (overrides tls.https_port).
    #[arg(long)]
    pub https_port: Option<u16>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Re-read templates from disk on every request.
    #[arg(long)]
    pub dev: bool,
    /// Serve `/metrics` on this port of `metrics.host` (loopback by default).
    #[arg(long)]
    pub metrics_port: Option<u16>,
    /// Also serve HTTPS on this port, with certificates from a local CA
    /// made in `certs/` at first run (trust it once: see the README).
    #[arg(long)]
    pub https_port: Option<u16>,
}

/// Runs the parsed command; the exit code tells scripts how it went.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::RenderWorker { .. } = &cli.command {
        // Confinement (`unshare`, `setuid`) applies to the calling thread
        // only once a runtime has started threads: `main` runs the worker
        // before any runtime, and nothing else may.
        anyhow::bail!("render-worker runs only as the program's first and only task");
    }
    let overrides = overrides(&cli);
    let config = Config::load(&cli.config, &overrides)?;
    crate::telemetry::init(&config.log.filter, config.log.format);
    match cli.command {
        Command::Serve(_) => serve::run(config).await,
        Command::Demo(_) => demo::run(config).await,
        Command::Migrate(args) => migrate::run(config, args).await,
        Command::Tenant(command) => tenant::run(config, command).await,
        Command::Theme(command) => theme::run(config, command).await,
        Command::Bench(command) => bench::run(config, command, &cli.config).await,
        Command::Jobs(command) => jobs::run(config, command).await,
        Command::Contributions(command) => contributions::run(config, command).await,
        Command::User(command) => user::run(config, command).await,
        Command::Operator(command) => operator::run(config, command).await,
        Command::Domain(command) => domain::run(config, command).await,
        Command::Certs(command) => certs::run(config, command).await,
        Command::Affiliation(command) => affiliation::run(config, command).await,
        Command::Reporting(command) => reporting::run(config, command).await,
        Command::Crypto(command) => crypto::run(config, command).await,
        Command::Doctor => doctor::run(config).await,
        Command::Probe { path } => probe::run(config, path).await,
        Command::RenderWorker { .. } => anyhow::bail!("render-worker is started by main"),
    }
}

fn overrides(cli: &Cli) -> Overrides {
    let mut overrides = Overrides {
        data_dir: cli.data_dir.clone(),
        ..Overrides::default()
    };
    match &cli.command {
        Command::Serve(args) => {
            overrides.http = Some(HttpOverrides {
                port: args.port,
                host: args.host,
            });
            overrides.metrics = metrics_port(args.metrics_port);
            overrides.tls = https_port(args.https_port);
        }
        Command::Demo(args) => {
            overrides.http = Some(HttpOverrides {
                port: Some(args.port),
                host: None,
            });
            overrides.dev_mode = Some(args.dev);
            overrides.metrics = metrics_port(args.metrics_port);
            overrides.tls = https_port(args.https_port);
        }
        _ => {}
    }
    overrides
}

fn https_port(port: Option<u16>) -> Option<TlsOverrides> {
    port.map(|port| TlsOverrides {
        https_port: Some(port),
    })
}

fn metrics_port(port: Option<u16>) -> Option<MetricsOverrides> {
    port.map(|port| MetricsOverrides { port: Some(port) })
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics_of(args: &[&str]) -> Option<crate::config::MetricsConfig> {
        let cli = Cli::try_parse_from(args).ok()?;
        let config = Config::load(std::path::Path::new("/nonexistent.toml"), &overrides(&cli));
        config.ok().map(|config| config.metrics)
    }

    #[test]
    fn metrics_listen_on_loopback_only_when_asked() {
        let off = metrics_of(&["tessera", "serve"]);
        assert!(off.is_some_and(|m| m.port.is_none()));
        for command in ["serve", "demo"] {
            let on = metrics_of(&["tessera", command, "--metrics-port", "9464"]);
            assert!(on.is_some_and(|m| m.port == Some(9464) && m.host.is_loopback()));
        }
    }
}
