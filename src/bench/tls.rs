//! W7, `tessera bench tls`: TLS handshakes with 1,000 certificates, each
//! server measured in turn in the same run — Tessera as shipped (`tessera
//! serve`, certificates from `platform.certificates`), Caddy (the same
//! certificates from files) and the floor (a bare tokio-rustls SNI map).
//! Per server: handshakes per second, latency percentiles, CPU per
//! handshake and peak RSS of its own process, and the time from its spawn
//! to its first handshake; then the ratios Tessera / Caddy and Tessera /
//! floor ([`super::tls_report`]). The bench rows are removed afterwards,
//! whatever happened.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;

use super::Timings;
use super::tls_certs::{self, BenchCerts};
use super::tls_client::{Checks, Client};
use super::tls_report::{Measured, TlsReport, ratios, summarize};
use super::tls_server::{self, Kind, Server, TesseraSpawn};
use crate::db::Database;
use crate::tls::Sealer;

/// What `tessera bench tls` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    pub names: usize,
    pub loops: usize,
    pub warmup: Duration,
    pub seconds: Duration,
    /// Each server is measured this many times, in alternating order.
    pub rounds: usize,
    pub servers: Vec<Kind>,
    pub caddy: PathBuf,
    /// Where certificates, configs and logs go (default: a temporary folder).
    pub work_dir: Option<PathBuf>,
    pub signature_every: u64,
    /// `log.filter` of the child `tessera serve`.
    pub child_log: String,
    /// The child `tessera serve` reads the same configuration and data.
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
}

/// One server, one round.
/// Everything a round needs, made once.
struct Setup {
    dir: PathBuf,
    storage_key: String,
    caddy_config: PathBuf,
    floor_files: PathBuf,
}

pub async fn run(db: &Database, options: &Options) -> anyhow::Result<TlsReport> {
    let temporary = match &options.work_dir {
        Some(_) => None,
        None => Some(tempfile::Builder::new().prefix("tessera-w7-").tempdir()?),
    };
    let dir = match (&options.work_dir, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temporary)) => temporary.path().to_owned(),
        (None, None) => anyhow::bail!("no work folder"),
    };
    std::fs::create_dir_all(&dir)?;
    let names = options.names;
    let certs = tokio::task::spawn_blocking(move || tls_certs::generate(names)).await??;
    let setup = prepare(&certs, &dir)?;
    let key = base64::engine::general_purpose::STANDARD.decode(&setup.storage_key)?;
    let key: [u8; 32] = key.try_into().map_err(|_| anyhow::anyhow!("storage key"))?;
    tls_certs::store(db.platform(), &certs, &Sealer::new(&key)?).await?;
    let leaves: Vec<(String, Vec<u8>)> = certs
        .certs
        .iter()
        .map(|c| (c.name.clone(), c.leaf_der.clone()))
        .collect();
    let measured = measure_all(&setup, options, &leaves).await;
    let removed = tls_certs::remove(db.platform()).await;
    let (runs, checks) = measured?;
    removed?;
    let mut servers = Vec::new();
    for kind in &options.servers {
        let version = match kind {
            Kind::Caddy => tls_server::caddy_version(&options.caddy).await,
            Kind::Tessera | Kind::Floor => env!("CARGO_PKG_VERSION").to_owned(),
        };
        if let Some(summary) = summarize(*kind, version, &runs) {
            servers.push(summary);
        }
    }
    let find = |kind| servers.iter().find(|s| s.server == kind);
    let ratio = |a: Kind, b: Kind| Some(ratios(find(a)?, find(b)?));
    Ok(TlsReport {
        names: options.names,
        loops: options.loops,
        warmup_s: options.warmup.as_secs_f64(),
        seconds: options.seconds.as_secs_f64(),
        rounds: options.rounds,
        client: format!(
            "rustls 0.23 (aws-lc-rs), TLS 1.3 only, no resumption, ALPN http/1.1; chain not \
             verified: each leaf compared with the one made for the SNI name, one handshake \
             signature in {} verified",
            options.signature_every.max(1)
        ),
        checks,
        tessera_vs_caddy: ratio(Kind::Tessera, Kind::Caddy),
        tessera_vs_floor: ratio(Kind::Tessera, Kind::Floor),
        servers,
        runs,
    })
}

/// The files every server needs, and the storage key the rows are sealed with.
fn prepare(certs: &BenchCerts, dir: &Path) -> anyhow::Result<Setup> {
    let files = tls_certs::write_files(certs, &dir.join("certs"))?;
    let caddy_config = dir.join("caddy.json");
    // The port is only known per round: the config is rewritten then.
    std::fs::write(
        &caddy_config,
        tls_server::caddy_config(&files, 0, &dir.join("caddy")).to_string(),
    )?;
    let floor_files = dir.join("floor-files.tsv");
    std::fs::write(&floor_files, tls_certs::files_table(&files))?;
    let mut key = [0u8; 32];
    rand::Rng::fill(&mut rand::rng(), &mut key);
    Ok(Setup {
        dir: dir.to_owned(),
        storage_key: base64::engine::general_purpose::STANDARD.encode(key),
        caddy_config,
        floor_files,
    })
}

async fn measure_all(
    setup: &Setup,
    options: &Options,
    leaves: &[(String, Vec<u8>)],
) -> anyhow::Result<(Vec<Measured>, Checks)> {
    let client = Arc::new(Client::new(leaves, options.signature_every)?);
    let mut runs = Vec::new();
    for round in 0..options.rounds.max(1) {
        // Alternating order, so that drift does not always favour one.
        let mut order = options.servers.clone();
        if round % 2 == 1 {
            order.reverse();
        }
        for kind in order {
            let measured = measure(kind, round, setup, options, &client).await?;
            eprintln!(
                "W7 {} round {}: {:.0} handshakes/s, p99 {:.2} ms, {} errors",
                kind.label(),
                round + 1,
                measured.rate_per_s,
                measured.latency.p99_ms,
                measured.errors
            );
            runs.push(measured);
        }
    }
    let checks = client.checks();
    anyhow::ensure!(
        checks.leaves_wrong == 0,
        "{} handshakes served a certificate that is not the SNI name's",
        checks.leaves_wrong
    );
    Ok((runs, checks))
}

async fn measure(
    kind: Kind,
    round: usize,
    setup: &Setup,
    options: &Options,
    client: &Arc<Client>,
) -> anyhow::Result<Measured> {
    let port = tls_server::free_port()?;
    let log = setup.dir.join(format!("{}-{round}.log", kind.label()));
    let exe = std::env::current_exe()?;
    let mut server = match kind {
        Kind::Tessera => {
            let spawn = TesseraSpawn {
                exe: &exe,
                config_file: &options.config_file,
                data_dir: &options.data_dir,
                storage_key: &setup.storage_key,
                log_filter: &options.child_log,
            };
            Server::tessera(&spawn, port, &log)?
        }
        Kind::Caddy => {
            let text = std::fs::read_to_string(&setup.caddy_config)?;
            let mut config: serde_json::Value = serde_json::from_str(&text)?;
            config["apps"]["http"]["servers"]["w7"]["listen"] =
                serde_json::json!([format!("127.0.0.1:{port}")]);
            std::fs::write(&setup.caddy_config, config.to_string())?;
            let home = setup.dir.join("caddy-home");
            std::fs::create_dir_all(&home)?;
            Server::caddy(&options.caddy, &setup.caddy_config, &home, port, &log)?
        }
        Kind::Floor => Server::floor(&exe, &setup.floor_files, port, &log)?,
    };
    let measured = measure_running(&mut server, round, options, client).await;
    server.stop().await;
    measured
}

async fn measure_running(
    server: &mut Server,
    round: usize,
    options: &Options,
    client: &Arc<Client>,
) -> anyhow::Result<Measured> {
    let addr = server.addr;
    let first = client
        .first_handshake(addr, Duration::from_secs(60), || server.alive())
        .await;
    let start = server.spawned.elapsed();
    let negotiated = first.map_err(|error| {
        anyhow::anyhow!(
            "{}: {error}; its log ends with:\n{}",
            server.kind.label(),
            server.log_tail()
        )
    })?;
    let rss_at_start = server.rss_kib();
    let load = client
        .load(addr, options.loops, options.warmup, options.seconds, || {
            server.cpu_ticks()
        })
        .await;
    let split = server.rss_split_kib();
    let handshakes = load.samples.len();
    let ticks = clock_ticks();
    let mib = |kib: u64| kib as f64 / 1024.0;
    Ok(Measured {
        server: server.kind,
        round,
        handshakes,
        window_s: load.window.as_secs_f64(),
        rate_per_s: handshakes as f64 / load.window.as_secs_f64().max(1e-9),
        latency: Timings::from_samples(&load.samples),
        cpu_us_per_handshake: load
            .server_ticks
            .filter(|_| handshakes > 0)
            .map(|t| t as f64 * 1e6 / ticks / handshakes as f64),
        peak_rss_mib: server.peak_rss_kib().map(mib),
        rss_at_start_mib: rss_at_start.map(mib),
        anon_rss_at_end_mib: split.map(|(anon, _)| mib(anon)),
        file_rss_at_end_mib: split.map(|(_, file)| mib(file)),
        start_to_first_handshake_ms: start.as_secs_f64() * 1000.0,
        errors: load.errors,
        first_error: load.first_error,
        negotiated,
    })
}

fn clock_ticks() -> f64 {
    tls_server::clock_ticks_per_second() as f64
}
