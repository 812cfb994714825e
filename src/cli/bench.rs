//! `tessera bench seed|provision|migrate|tls|…`: the in-process parts of
//! the benchmark harness (`benches/run.sh` runs them and the HTTP load).
//! Each prints a JSON report on stdout.

use std::process::ExitCode;

use clap::Subcommand;

use super::DatabaseHandle;
use crate::bench::{self, seed};
use crate::config::Config;
use crate::tenancy::provision::Provisioner;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Create the `bench` data set (idempotent).
    Seed {
        #[arg(long, default_value_t = 200)]
        tenants: usize,
        /// Tenants seeded at the same time.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// Also write `host<TAB>name<TAB>colour` per tenant here (for W1's checks).
        #[arg(long)]
        hosts_file: Option<std::path::PathBuf>,
        /// W6: top tenant 1 up to this many payments, and tenant 2 up to a
        /// tenth of it (the small export RSS is compared with).
        #[arg(long)]
        export_rows: Option<i64>,
    },
    /// W4: create tenants one after another and time each creation.
    Provision {
        #[arg(long, default_value_t = 100)]
        count: usize,
        /// Measure the fallback path (fresh schema, all migrations).
        #[arg(long)]
        no_warm_pool: bool,
    },
    /// W3's yardstick: the time of one password hash with the parameters
    /// in use, on one core.
    Hash {
        #[arg(long, default_value_t = 20)]
        count: usize,
    },
    /// W5: apply one new migration to every tenant of a scratch database.
    Migrate {
        #[arg(long, default_value_t = 200)]
        tenants: usize,
        /// The scratch database (dropped and recreated).
        #[arg(long, default_value = "tessera_bench_w5")]
        database: String,
        /// Instead: time it over the tenants already in this data set
        /// (then take it back out); `--tenants` and `--database` are unused.
        #[arg(long)]
        in_place: bool,
    },
    /// W4 through the white-label API, and sign-up to live, against a
    /// server started in this process.
    Platform {
        #[arg(long, default_value_t = 100)]
        creations: usize,
        #[arg(long, default_value_t = 20)]
        signups: usize,
    },
    /// W7: TLS 1.3 handshakes over `--names` certificates, Tessera (a
    /// `tessera serve` child) against Caddy and a bare tokio-rustls floor,
    /// one after the other.
    Tls {
        #[arg(long, default_value_t = 1000)]
        names: usize,
        /// Concurrent handshake loops.
        #[arg(long, default_value_t = 64)]
        loops: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 2)]
        warmup: u64,
        /// Each server is measured this many times (in alternating order).
        #[arg(long, default_value_t = 1)]
        rounds: usize,
        /// Which servers, in order: tessera, caddy, floor.
        #[arg(long, value_delimiter = ',', default_value = "tessera,caddy,floor")]
        servers: Vec<String>,
        #[arg(long, default_value = "caddy")]
        caddy: std::path::PathBuf,
        /// Keep certificates, configs and logs here (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<std::path::PathBuf>,
        /// Verify one handshake signature in this many.
        #[arg(long, default_value_t = 32)]
        signature_every: u64,
        /// `log.filter` of the `tessera serve` child (its log is in the work folder).
        #[arg(long, default_value = "warn")]
        child_log: String,
    },
    /// Internal: W7's floor server (started by `bench tls`).
    #[command(hide = true)]
    TlsFloor {
        #[arg(long)]
        port: u16,
        /// `name<TAB>cert<TAB>key` per line.
        #[arg(long)]
        files: std::path::PathBuf,
    },
    /// Click capture: the clicks written in the first `tenants` bench
    /// tenants (compared with the redirects served).
    Clicks {
        #[arg(long, default_value_t = 200)]
        tenants: usize,
    },
    /// Live figures: `streams` SSE streams over the first `tenants` bench
    /// tenants against a running server (port `port`, process `pid`): its
    /// RSS per stream, and one event's fan-out to every stream.
    Sse {
        #[arg(long)]
        port: u16,
        /// Where the treasurers log in (default: `port`); another server
        /// on the same database keeps password hashing out of the RSS.
        #[arg(long)]
        login_port: Option<u16>,
        /// The server's process id (its VmRSS is read before and after).
        #[arg(long)]
        pid: Option<u32>,
        #[arg(long, default_value_t = 500)]
        streams: usize,
        /// At most `[reporting] streams_per_tenant` (50) streams each.
        #[arg(long, default_value_t = 10)]
        tenants: usize,
    },
    /// W9: export and import of one seeded tenant, against `pg_dump -n`.
    Portability {
        /// The data set's tenant to move (`bench-00001` by default).
        #[arg(long, default_value_t = 1)]
        tenant: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

pub async fn run(
    config: Config,
    command: BenchCommand,
    config_file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    if let BenchCommand::TlsFloor { port, files } = &command {
        bench::tls_floor::run(*port, files).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let BenchCommand::Hash { count } = command {
        let report = bench::hash::run(count).await?;
        eprintln!(
            "one argon2id hash (m={} KiB, t={}, p={}): median {:.1} ms",
            report.memory_kib, report.passes, report.lanes, report.median_ms
        );
        println!("{}", serde_json::to_string(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    let handle = DatabaseHandle::open(&config).await?;
    super::serve::migrate_at_start(&handle, &config).await?;
    let result = match command {
        BenchCommand::Tls { .. } => tls(&handle, &config, command, config_file).await,
        command => execute(&handle, &config, command).await,
    };
    handle.close().await?;
    println!("{}", result?);
    Ok(ExitCode::SUCCESS)
}

async fn execute(
    handle: &DatabaseHandle,
    config: &Config,
    command: BenchCommand,
) -> anyhow::Result<String> {
    let db = &handle.db;
    let json = match command {
        BenchCommand::Seed {
            tenants,
            parallel,
            hosts_file,
            export_rows,
        } => {
            let provisioner = seed::provisioner(db, config.platform_host.clone())?;
            let report = seed::seed(db, &provisioner, tenants, parallel).await?;
            if let Some(rows) = export_rows {
                for (tenant, rows) in [(1, rows), (2, rows / 10)] {
                    let added = bench::payments::fill_export(db, tenant, rows).await?;
                    eprintln!("W6: tenant {tenant} has {rows} payments ({added} added)");
                }
            }
            if report.filled > 0 || export_rows.is_some() {
                seed::analyze(db).await?;
            }
            if let Some(path) = hosts_file {
                std::fs::write(&path, seed::hosts_table(tenants))?;
            }
            eprintln!(
                "bench data set: {} tenants ({} created, {} filled) in {:.1} s",
                report.tenants, report.created, report.filled, report.elapsed_s
            );
            serde_json::to_string(&report)?
        }
        BenchCommand::Provision {
            count,
            no_warm_pool,
        } => {
            let provisioner = Provisioner::new(
                db.platform().clone(),
                config.base_domain.clone(),
                config.platform_host.clone(),
            );
            let report = bench::provision::run(&provisioner, count, !no_warm_pool).await?;
            eprintln!(
                "W4 ({}): median {:.2} ms, p99 {:.2} ms over {} tenants ({} from the pool)",
                if report.warm_pool {
                    "warm pool"
                } else {
                    "no warm pool"
                },
                report.timings.median_ms,
                report.timings.p99_ms,
                report.timings.count,
                report.from_pool
            );
            serde_json::to_string(&report)?
        }
        BenchCommand::Hash { .. } | BenchCommand::TlsFloor { .. } | BenchCommand::Tls { .. } => {
            anyhow::bail!("not run here")
        }
        BenchCommand::Platform { creations, signups } => {
            let report = bench::platform::run(config, db.clone(), creations, signups).await?;
            eprintln!(
                "W4 via the API: median {:.2} ms, p99 {:.2} ms over {}; sign-up to live: median {:.1} ms, p99 {:.1} ms over {}",
                report.api_create.median_ms,
                report.api_create.p99_ms,
                report.api_create.count,
                report.signup_to_live.median_ms,
                report.signup_to_live.p99_ms,
                report.signup_to_live.count
            );
            serde_json::to_string(&report)?
        }
        BenchCommand::Clicks { tenants } => {
            let clicks = bench::referrals::count_clicks(db, tenants).await?;
            serde_json::json!({ "clicks": clicks }).to_string()
        }
        BenchCommand::Sse {
            port,
            login_port,
            pid,
            streams,
            tenants,
        } => {
            let local = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
            let options = bench::sse::Options {
                addr: local(port),
                login_addr: local(login_port.unwrap_or(port)),
                pid,
                streams,
                tenants,
                settle: std::time::Duration::from_secs(1),
            };
            let report = bench::sse::run(db, &options).await?;
            eprintln!(
                "SSE: {} of {} streams open in {:.2} s ({} refused); {} KiB per stream; \
                 an event reached {} streams: median {:.1} ms, p99 {:.1} ms, last {:.1} ms",
                report.opened,
                report.streams,
                report.open_s,
                report.refused,
                report
                    .kib_per_stream
                    .map_or_else(|| "?".to_owned(), |k| format!("{k:.1}")),
                report.delivered,
                report.fanout.median_ms,
                report.fanout.p99_ms,
                report.fanout.max_ms
            );
            serde_json::to_string(&report)?
        }
        BenchCommand::Portability { tenant, runs } => {
            let report = portability(handle, config, tenant, runs).await?;
            eprintln!(
                "W9 ({} tenants, {} rows): export {:.1} ms, import {:.1} ms, pg_dump -n {:.1} ms \
                 (export {:.2}×, import {:.2}× pg_dump)",
                report.tenants,
                report.rows,
                report.export.median_ms,
                report.import.median_ms,
                report.pg_dump.median_ms,
                report.export_vs_pg_dump,
                report.import_vs_pg_dump
            );
            serde_json::to_string(&report)?
        }
        BenchCommand::Migrate {
            tenants,
            database,
            in_place,
        } => {
            let parallelism = config.db.migrate_parallelism;
            let report = if in_place {
                bench::migrate::run_in_place(db.platform(), parallelism).await?
            } else {
                let options = db.connect_options().clone();
                bench::migrate::run(&options, &database, tenants, parallelism).await?
            };
            eprintln!(
                "W5: {} tenants migrated in {:.2} s (no-op run {:.1} ms; setup {:.1} s)",
                report.migrated, report.wall_s, report.noop_ms, report.setup_s
            );
            serde_json::to_string(&report)?
        }
    };
    Ok(json)
}

async fn portability(
    handle: &DatabaseHandle,
    config: &Config,
    tenant: usize,
    runs: usize,
) -> anyhow::Result<bench::portability::PortabilityReport> {
    use secrecy::ExposeSecret;
    let db = &handle.db;
    let provisioner = seed::provisioner(db, config.platform_host.clone())?;
    let themes = crate::app::load_themes(config)?.names();
    let storage = crate::storage::Storage::from_config(&config.storage, &config.storage_dir())?;
    let portability = crate::portability::Portability::new(provisioner, storage, themes);
    let options = db.connect_options();
    let url = match &config.database_url {
        Some(url) => url.expose_secret().to_owned(),
        None => format!(
            "postgres://{}@{}:{}/{}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("tessera")
        ),
    };
    // The embedded cluster's password is in its data folder.
    let password = std::fs::read_to_string(config.data_dir.join("pg-password")).ok();
    let password = password.filter(|_| config.database_url.is_none());
    let pg_dump = bench::portability::PgDump::find(url, password.map(|p| p.trim().to_owned()));
    let slug = crate::tenancy::Slug::parse(&bench::bench_slug(tenant))?;
    bench::portability::run(&portability, &slug, &pg_dump, runs.max(1)).await
}

async fn tls(
    handle: &DatabaseHandle,
    config: &Config,
    command: BenchCommand,
    config_file: &std::path::Path,
) -> anyhow::Result<String> {
    use bench::tls_server::Kind;
    let BenchCommand::Tls {
        names,
        loops,
        seconds,
        warmup,
        rounds,
        servers,
        caddy,
        work_dir,
        signature_every,
        child_log,
    } = command
    else {
        anyhow::bail!("not W7");
    };
    let servers = servers
        .iter()
        .map(|name| Kind::parse(name).ok_or_else(|| anyhow::anyhow!("unknown server {name:?}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = bench::tls::Options {
        names: names.max(1),
        loops: loops.max(1),
        warmup: std::time::Duration::from_secs(warmup),
        seconds: std::time::Duration::from_secs(seconds.max(1)),
        rounds: rounds.max(1),
        servers,
        caddy,
        work_dir,
        signature_every,
        child_log,
        config_file: config_file.to_owned(),
        data_dir: config.data_dir.clone(),
    };
    let report = bench::tls::run(&handle.db, &options).await?;
    eprint!("{}", bench::tls_report::table(&report));
    Ok(serde_json::to_string(&report)?)
}
