//! Failures, not only success: PostgreSQL restarted under load, an
//! instance killed behind the balancer while it serves and runs jobs, and a
//! rolling upgrade (the next release's migration applied while the
//! instances serve, then each instance drained and replaced).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tessera::db::embedded::EmbeddedPostgres;
use tessera::db::migrate::{self, Migration, MigrationSet};
use tessera::mail::{self, Mail};
use tessera::model::Email;

use crate::helpers::cluster::database_url;
use crate::helpers::instances::{Balancer, Instance};
use crate::helpers::{migrated_database, spawn_unpooled, test_config};

/// One request's fate: when it started, and its status (0: no answer).
type Outcome = (Instant, u16);

/// `tasks` loops of `GET url` with `Host: host`, each on a new connection
/// (as clients arriving), until `stop`.
fn load(
    url: String,
    host: String,
    tasks: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<Outcome>>> {
    (0..tasks)
        .map(|_| {
            let (url, host, stop) = (url.clone(), host.clone(), stop.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::builder()
                    .pool_max_idle_per_host(0)
                    .timeout(Duration::from_secs(5))
                    .build()
                    .expect("client");
                let mut outcomes = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let status = match client.get(&url).header("host", &host).send().await {
                        Ok(response) => response.status().as_u16(),
                        Err(_) => 0,
                    };
                    outcomes.push((started, status));
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                outcomes
            })
        })
        .collect()
}

/// The statuses of the requests started at `since` or later.
fn statuses_since(outcomes: &[Outcome], since: Instant) -> Vec<u16> {
    outcomes
        .iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, status)| *status)
        .collect()
}

async fn collect(tasks: Vec<tokio::task::JoinHandle<Vec<Outcome>>>) -> Vec<Outcome> {
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("load task"));
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_resumes_after_a_postgresql_restart_without_restarting_tessera() {
    let dir =
        std::env::temp_dir().join(format!("tessera-restart-{}", uuid::Uuid::new_v4().simple()));
    let start_dir = dir.clone();
    let cluster =
        tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&start_dir, &Vec::new()))
            .await
            .expect("join")
            .expect("a cluster of its own");
    let options = cluster.admin_options_for("postgres");
    crate::helpers::migrate(&options).await;
    let mut config = test_config();
    config.cache.pages = false; // every page reads the database
    config.jobs.workers = 0;
    // This cluster is not behind the suite's pooler: straight to it.
    let app = spawn_unpooled(options, config).await;
    let (tenant, _) = app.create_tenant("restart", "Redémarrage").await;
    let url = format!("http://{}/", app.addr);
    let stop = Arc::new(AtomicBool::new(false));
    let tasks = load(url, tenant.default_host.to_string(), 4, stop.clone());

    tokio::time::sleep(Duration::from_secs(1)).await;
    let cut = Instant::now();
    let cluster = tokio::task::spawn_blocking(move || {
        cluster.restart().expect("pg_ctl restart");
        cluster
    })
    .await
    .expect("join");
    let back = Instant::now();
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::Relaxed);
    let outcomes = collect(tasks).await;
    drop(app);
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .ok();
    std::fs::remove_dir_all(&dir).ok();

    let before: Vec<_> = outcomes.iter().filter(|(at, _)| *at < cut).collect();
    assert!(before.len() > 20 && before.iter().all(|(_, s)| *s == 200));
    // Once PostgreSQL accepts connections again, no request fails: the
    // connections it cut are dropped, not handed to requests.
    let after = statuses_since(&outcomes, back);
    assert!(
        after.len() > 20,
        "{} requests after the restart",
        after.len()
    );
    let failed: Vec<_> = after.iter().filter(|s| **s != 200).collect();
    assert!(
        failed.is_empty(),
        "after the restart: {failed:?} of {}",
        after.len()
    );
    assert!(back - cut < Duration::from_secs(10));
}

fn reminder(n: usize) -> Mail {
    Mail {
        to: Email::parse(&format!("member{n}@example.org")).expect("email"),
        to_name: None,
        template: "verify-email",
        locale: "fr".into(),
        data: json!({"name": format!("Membre {n}"), "link": "https://example.org/verify"}),
    }
}

/// Two instances behind HAProxy (the deployed configuration), both serving
/// and running jobs; one is killed with SIGKILL. Requests fail only until
/// the balancer notices (its check is every second); every queued job is
/// done, each mail kept once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_of_two_instances_loses_no_request_after_the_balancer_notices_and_no_job() {
    let options = migrated_database().await;
    let url = database_url(&options);
    let mut config = test_config();
    config.jobs.workers = 0; // only the two instances run jobs
    let app = crate::helpers::spawn_app_with(options, config).await;
    let (tenant, _) = app.create_tenant("killed", "Instance tuée").await;
    let env = [
        ("TESSERA_MAIL__TRANSPORT", "outbox"),
        ("TESSERA_JOBS__WORKERS", "2"),
        ("TESSERA_JOBS__POLL_INTERVAL_MS", "100"),
        // A job held by the killed instance is taken over after this.
        ("TESSERA_JOBS__LEASE_MS", "1500"),
    ];
    let mut first = Instance::start(&url, &env).await;
    let second = Instance::start(&url, &env).await;
    let balancer = Balancer::start(&[first.port, second.port]).await;

    const MAILS: usize = 300;
    let mut tx = app.tenant_tx(&tenant).await;
    for n in 0..MAILS {
        mail::queue(&mut tx, &reminder(n)).await.expect("queued");
    }
    tx.commit().await.expect("commit");

    let stop = Arc::new(AtomicBool::new(false));
    let page = format!("http://127.0.0.1:{}/", balancer.port);
    let tasks = load(page, tenant.default_host.to_string(), 4, stop.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;
    first.kill();
    let killed = Instant::now();
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, Ordering::Relaxed);
    let outcomes = collect(tasks).await;

    let noticed = killed + Duration::from_secs(3);
    let late = statuses_since(&outcomes, noticed);
    assert!(
        late.len() > 20,
        "{} requests after the balancer noticed",
        late.len()
    );
    assert!(
        late.iter().all(|s| *s == 200),
        "{:?}",
        late.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );
    let early_failures = outcomes
        .iter()
        .filter(|(at, s)| *at < noticed && *s != 200)
        .count();
    eprintln!("requests failed before the balancer noticed: {early_failures}");

    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM platform.jobs WHERE kind = 'mail' AND state = 'done'",
        )
        .fetch_one(app.pool())
        .await
        .expect("jobs");
        if done as usize == MAILS || Instant::now() > deadline {
            break done;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(done as usize, MAILS, "every job done by the survivor");
    let (kept, recipients): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT recipient) FROM platform.outbox")
            .fetch_one(app.pool())
            .await
            .expect("outbox");
    assert_eq!((kept as usize, recipients as usize), (MAILS, MAILS));
    drop(second);
}

/// What the next release adds: a column the current binary never reads.
fn next_release() -> MigrationSet {
    MigrationSet::tenant().with([Migration {
        version: MigrationSet::tenant().latest() + 1,
        name: "next_release_member_pronouns".into(),
        sql: "ALTER TABLE members ADD COLUMN pronouns text;".into(),
        checksum: b"next-release".to_vec(),
    }])
}

/// Two instances behind HAProxy serve under load while the next release's
/// migration runs across every tenant; then each is stopped as a service
/// manager does (SIGTERM: it drains) and replaced by an instance started
/// on the migrated database, which serves it although it does not know
/// the new migration. No request fails at any point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_upgrade_fails_no_request_while_the_next_releases_migration_runs() {
    let options = migrated_database().await;
    let url = database_url(&options);
    let mut config = test_config();
    config.jobs.workers = 0;
    let app = crate::helpers::spawn_app_with(options, config).await;
    let mut tenants = Vec::new();
    for _ in 0..12 {
        tenants.push(app.create_tenant("upgrade", "Mise à jour").await.0);
    }
    let env = [
        ("TESSERA_HTTP__DRAIN_SECS", "2"),
        ("TESSERA_CACHE__PAGES", "false"),
        ("TESSERA_JOBS__WORKERS", "0"),
    ];
    let mut first = Instance::start(&url, &env).await;
    let mut second = Instance::start(&url, &env).await;
    let (first_port, second_port) = (first.port, second.port);
    let balancer = Balancer::start(&[first_port, second_port]).await;
    let stop = Arc::new(AtomicBool::new(false));
    let page = format!("http://127.0.0.1:{}/", balancer.port);
    let tasks = load(page, tenants[0].default_host.to_string(), 4, stop.clone());

    let report = migrate::run_with(
        app.pool(),
        &MigrationSet::platform(),
        &next_release(),
        &Default::default(),
    )
    .await
    .expect("the next release's migration");
    assert!(
        report.tenants.migrated as usize >= tenants.len(),
        "{report:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.terminate().await;
    let first = Instance::start_on(first_port, &url, &env).await;
    // The balancer's `rise 2`: two good checks before it sends work again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    second.terminate().await;
    let second = Instance::start_on(second_port, &url, &env).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, Ordering::Relaxed);
    let outcomes = collect(tasks).await;

    assert!(outcomes.len() > 100, "{} requests", outcomes.len());
    let failed: Vec<u16> = outcomes
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| *s != 200)
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        outcomes.len()
    );
    let column: Option<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = $1 AND table_name = 'members' AND column_name = 'pronouns'",
    )
    .bind(format!("t_{}", tenants[0].id.get()))
    .fetch_optional(app.pool())
    .await
    .expect("columns");
    assert!(column.is_some(), "the migration ran");
    drop((first, second, balancer));
}
