//! Unknown hosts cost nothing: every instance holds the host map in memory,
//! so a flood of distinct invented hosts makes no database query, and the
//! health check (answered without the pool) and known tenants stay prompt.

use std::time::{Duration, Instant};

use futures::StreamExt;
use sqlx::PgPool;
use tessera::tenancy::Hostname;
use tessera::tenancy::provision::NewTenant;

use crate::helpers::{
    TestApp, migrated_database, raw_http, spawn_app_with, spawn_isolated_app, test_config,
    unique_slug,
};

const SECOND: Duration = Duration::from_secs(1);

/// Query counts of one database, from `pg_stat_statements` (loaded by the
/// test cluster), read through the `postgres` database.
struct Statements {
    admin: PgPool,
    database: String,
}

impl Statements {
    async fn of(app: &TestApp) -> Self {
        let options = app.pool().connect_options();
        let database = options.get_database().unwrap().to_owned();
        let admin = PgPool::connect_with((*options).clone().database("postgres"))
            .await
            .unwrap();
        sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .execute(&admin)
            .await
            .unwrap();
        Self { admin, database }
    }

    /// Forgets this database's counts only (other tests count their own).
    async fn reset(&self) {
        sqlx::query(
            "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = $1), 0)",
        )
        .bind(&self.database)
        .execute(&self.admin)
        .await
        .unwrap();
    }

    /// Calls of statements that read or write the platform's tables, but
    /// the job queue's (its worker polls on its own clock, whatever the
    /// requests).
    async fn platform_calls(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT coalesce(sum(s.calls), 0)::bigint FROM pg_stat_statements s
             JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = $1 AND s.query LIKE '%platform.%'
               AND s.query NOT LIKE '%platform.jobs%'",
        )
        .bind(&self.database)
        .fetch_one(&self.admin)
        .await
        .unwrap()
    }
}

/// GETs `host` `/` every 50 ms until `stop`; returns the slowest answer
/// and every status seen.
async fn probe(
    app: &TestApp,
    host: &str,
    path: &str,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> (Duration, Vec<u16>) {
    let (mut slowest, mut statuses) = (Duration::ZERO, Vec::new());
    while !*stop.borrow() {
        let started = Instant::now();
        statuses.push(app.get(host, path).await.status().as_u16());
        slowest = slowest.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (slowest, statuses)
}

#[tokio::test]
async fn a_flood_of_unknown_hosts_makes_no_query_and_starves_nothing() {
    let app = spawn_isolated_app().await;
    let custom = format!("flood-{}.example", std::process::id());
    let mut new = NewTenant::new(unique_slug("flood"), "Flood Survivor");
    new.domains = vec![Hostname::parse(&custom).unwrap()];
    let (tenant, _) = app.create(&new).await;
    let known = tenant.default_host.to_string();
    let warm = app
        .wait_for_home(&known, SECOND, |status, _| status == 200)
        .await;
    assert!(warm, "the new tenant is not served");
    let statements = Statements::of(&app).await;
    statements.reset().await;

    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let app = &app;
    let flood = async {
        let run = std::process::id();
        let statuses: Vec<u16> = futures::stream::iter(0..2_000)
            .map(|i| {
                let host = format!("nobody-{i}-{run}.example");
                async move { app.get(&host, "/").await.status().as_u16() }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        let _ = stop_tx.send(true);
        statuses
    };
    let (statuses, health, home) = tokio::join!(
        flood,
        probe(app, "nobody.example", "/healthz", &stop),
        probe(app, &known, "/", &stop),
    );

    assert!(
        statuses.iter().all(|s| *s == 404),
        "an unknown host got another answer"
    );
    assert_eq!(
        statements.platform_calls().await,
        0,
        "unknown hosts were looked up in the database"
    );
    assert!(
        health.1.iter().all(|s| *s == 200),
        "healthz failed during the flood: {:?}",
        health.1
    );
    assert!(
        home.1.iter().all(|s| *s == 200),
        "the known tenant failed during the flood: {:?}",
        home.1
    );
    assert!(
        health.0 < SECOND,
        "healthz took {:?} during the flood",
        health.0
    );
    assert!(
        home.0 < 2 * SECOND,
        "the known tenant took {:?} during the flood",
        home.0
    );

    // Every spelling of a known host still resolves, from memory.
    let upper = known.to_uppercase();
    let with_port = format!("{custom}:8080");
    let with_dot = format!("{custom}.");
    for host in [known.as_str(), &upper, &custom, &with_port, &with_dot] {
        let (status, page) = app.get_text(host, "/").await;
        assert_eq!(status, 200, "{host}");
        assert!(page.contains("Flood Survivor"), "{host}");
    }
}

#[tokio::test]
async fn healthz_needs_no_pool_connection() {
    // The only platform connection is held: a ping through the pool would
    // wait for the acquire timeout, then fail.
    let mut config = test_config();
    config.db.platform_connections = 1;
    config.db.acquire_timeout_secs = 3;
    let app = spawn_app_with(crate::helpers::shared_database().await, config).await;
    let held = app.pool().acquire().await.unwrap();
    let started = Instant::now();
    let (status, body) = raw_http::get_with_host(app.addr, b"admin.localhost", "/healthz").await;
    assert_eq!((status, body.trim()), (200, "ok"));
    assert!(
        started.elapsed() < SECOND,
        "healthz took {:?}",
        started.elapsed()
    );
    drop(held);
}

#[tokio::test]
async fn healthz_follows_the_database_going_away_and_back() {
    let options = migrated_database().await;
    let app = spawn_app_with(options.clone(), test_config()).await;
    let admin = PgPool::connect_with(options.clone().database("postgres"))
        .await
        .unwrap();
    let database = options.get_database().unwrap().to_owned();
    let health = || async {
        raw_http::get_with_host(app.addr, b"admin.localhost", "/healthz")
            .await
            .0
    };
    assert_eq!(health().await, 200);

    // Nobody may connect any more, and every session is cut.
    let allow = |yes: bool| {
        let sql = format!("ALTER DATABASE {database} WITH ALLOW_CONNECTIONS {yes}");
        let admin = admin.clone();
        async move {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&admin)
                .await
                .unwrap()
        }
    };
    allow(false).await;
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(&database)
        .execute(&admin)
        .await
        .unwrap();
    assert!(
        wait_for(&health, 503, 5 * SECOND).await,
        "healthz still 200 with the database gone"
    );

    allow(true).await;
    assert!(
        wait_for(&health, 200, 5 * SECOND).await,
        "healthz did not recover"
    );
}

async fn wait_for<F: std::future::Future<Output = u16>>(
    status: impl Fn() -> F,
    wanted: u16,
    within: Duration,
) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if status().await == wanted {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
