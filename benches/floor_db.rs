//! `floor-db`: the baseline W1 is measured against, without HTTP. A tenant
//! transaction as code usually runs one: `BEGIN` with the role and
//! `search_path` (`TenantTx::begin`), the latest announcements
//! (`announcements::latest_published`), `COMMIT`: three round trips through
//! the pool, on a random bench tenant each time, from 64 concurrent tasks
//! over a pool sized like the server's. Prints one JSON line.
//!
//! `--workload w2` runs W2's SQL instead: the first page of 50 payments
//! (`contributions::payments::list::page`), same three round trips.
//!
//! Run by benches/run.sh; by hand:
//! `cargo bench --bench floor_db -- --data-dir target/bench/data --seconds 20`

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use rand::Rng;
use sqlx::postgres::PgConnectOptions;
use tessera::announcements;
use tessera::config::{Config, Overrides};
use tessera::contributions::payments::list::{self, PaymentFilter};
use tessera::db::embedded::EmbeddedPostgres;
use tessera::db::{Database, TenantTx};
use tessera::tenancy::{Slug, Tenant, registry};

#[derive(Parser)]
struct Args {
    /// Data directory of the embedded cluster (ignored with DATABASE_URL).
    #[arg(long, default_value = "target/bench/data")]
    data_dir: PathBuf,
    #[arg(long, default_value_t = 64)]
    tasks: usize,
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// `w1` (the latest announcements) or `w2` (50 payments).
    #[arg(long, default_value = "w1")]
    workload: String,
    /// Passed by `cargo bench`; without it (`cargo test`) nothing runs.
    #[arg(long, hide = true)]
    bench: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.bench {
        // `cargo test --all-targets` runs bench targets too: not a load test.
        println!(
            "floor_db: a load generator; run it with `cargo bench --bench floor_db` or benches/run.sh"
        );
        return Ok(());
    }
    let config = Config::load(std::path::Path::new("tessera.toml"), &Overrides::default())?;
    let options = match std::env::var("DATABASE_URL") {
        Ok(url) => PgConnectOptions::from_str(&url)?,
        Err(_) => {
            EmbeddedPostgres::start(&args.data_dir, &Vec::new())?.connect_options_for("tessera")
        }
    };
    let keyring = tessera::crypto::Keyring::from_config(&config.crypto, &config.data_dir)?;
    let db = Database::connect(options, &config.db, keyring)?;
    let slugs: Vec<String> = sqlx::query_scalar(
        "SELECT slug FROM platform.tenants WHERE slug LIKE 'bench-%' ORDER BY id",
    )
    .fetch_all(db.platform())
    .await?;
    let mut tenants = Vec::with_capacity(slugs.len());
    for slug in &slugs {
        let slug = Slug::parse(slug)?;
        if let Some(tenant) = registry::find_by_slug(db.platform(), &slug).await? {
            tenants.push(Arc::new(tenant));
        }
    }
    anyhow::ensure!(
        !tenants.is_empty(),
        "no bench tenants: run `tessera bench seed` first"
    );
    let tenants = Arc::new(tenants);
    let w2 = args.workload == "w2";

    run_for(
        &db,
        &tenants,
        args.tasks,
        Duration::from_secs(args.warmup),
        w2,
    )
    .await?;
    let (count, elapsed) = run_for(
        &db,
        &tenants,
        args.tasks,
        Duration::from_secs(args.seconds),
        w2,
    )
    .await?;
    let tps = count as f64 / elapsed.as_secs_f64();
    println!(
        "{}",
        serde_json::json!({ "transactions": count, "seconds": elapsed.as_secs_f64(), "tps": tps,
                            "workload": args.workload, "tasks": args.tasks, "pool": config.db.max_connections, "tenants": tenants.len() })
    );
    Ok(())
}

async fn run_for(
    db: &Database,
    tenants: &Arc<Vec<Arc<Tenant>>>,
    tasks: usize,
    duration: Duration,
    w2: bool,
) -> anyhow::Result<(u64, Duration)> {
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..tasks)
        .map(|_| {
            let (db, tenants, done, stop) =
                (db.clone(), tenants.clone(), done.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let tenant = &tenants[rand::rng().random_range(0..tenants.len())];
                    let mut tx = TenantTx::begin(&db, tenant.clone()).await?;
                    let (rows, wanted) = if w2 {
                        let filter = PaymentFilter::default();
                        (
                            list::page(&mut tx, &filter, 50, None).await?.items.len(),
                            50,
                        )
                    } else {
                        (announcements::front_page(&mut tx).await?.latest.len(), 5)
                    };
                    tx.commit().await?;
                    anyhow::ensure!(
                        rows == wanted,
                        "tenant {} gave {rows} rows, not {wanted}",
                        tenant.id
                    );
                    done.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, anyhow::Error>(())
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    for worker in workers {
        worker.await??;
    }
    Ok((done.load(Ordering::Relaxed), elapsed))
}
