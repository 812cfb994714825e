//! The PostgreSQL the tests run against: `DATABASE_URL` (a role allowed to
//! create databases) or a private cluster started once per test binary, with
//! PostgreSQL's documented non-durable settings (tests lose nothing by them)
//! and `pg_stat_statements` loaded to count queries.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::sync::OnceLock;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tessera::db::embedded::EmbeddedPostgres;
use tessera::db::{Platform, migrate};
use tokio::sync::OnceCell;

/// Options for a superuser connection to the cluster's `postgres` database.
fn admin_options() -> PgConnectOptions {
    static ADMIN: OnceLock<PgConnectOptions> = OnceLock::new();
    ADMIN
        .get_or_init(|| match std::env::var("DATABASE_URL") {
            Ok(url) => PgConnectOptions::from_str(&url).expect("DATABASE_URL parses"),
            Err(_) => start_private_cluster(),
        })
        .clone()
}

/// Under the system temp dir: when tests run as root, the server runs as
/// `postgres`, which must be able to enter every parent folder (a checkout
/// under a private home would not do).
fn cluster_dir() -> PathBuf {
    std::env::temp_dir().join(format!("tessera-test-pg-{}", std::process::id()))
}

fn start_private_cluster() -> PgConnectOptions {
    let dir = cluster_dir();
    let settings = [
        ("fsync", "off"),
        ("synchronous_commit", "off"),
        ("full_page_writes", "off"),
        ("max_connections", "400"),
        ("shared_preload_libraries", "pg_stat_statements"),
        ("pg_stat_statements.track", "all"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let cluster = EmbeddedPostgres::start(&dir, &settings).expect("test cluster starts");
    stop_when_we_exit(&cluster, &dir);
    let options = cluster.admin_options_for("postgres");
    // The watchdog stops the server; the handle itself is never dropped.
    std::mem::forget(cluster);
    options
}

/// Static values are never dropped, so a detached watchdog stops the cluster
/// and removes its folder once this test process is gone.
fn stop_when_we_exit(cluster: &EmbeddedPostgres, dir: &std::path::Path) {
    when_we_exit(&format!(
        "{stop} >/dev/null 2>&1; rm -rf '{dir}'",
        stop = cluster.stop_command(),
        dir = dir.display(),
    ));
}

/// Runs the shell command `then` once this test process is gone, from a
/// detached watchdog: for servers that static values started.
#[allow(clippy::zombie_processes)] // detached on purpose: it must outlive us
pub fn when_we_exit(then: &str) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {then}",
        pid = std::process::id(),
    );
    use std::os::unix::process::CommandExt;
    Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("watchdog starts");
}

/// A new, empty database with a unique name; nothing else uses it.
pub async fn fresh_database() -> PgConnectOptions {
    let name = format!("t{}", uuid::Uuid::new_v4().simple());
    let admin = admin_options();
    let mut conn = PgConnection::connect_with(&admin)
        .await
        .expect("admin connection");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create database");
    conn.close().await.ok();
    let options = admin.database(&name);
    super::pooler::prepare(&options).await;
    options
}

/// A database shared by the tests that only create their own tenants:
/// created and migrated once per test run.
pub async fn shared_database() -> PgConnectOptions {
    static SHARED: OnceCell<PgConnectOptions> = OnceCell::const_new();
    SHARED
        .get_or_init(|| async {
            let options = fresh_database().await;
            let pool = Platform::from(
                sqlx::PgPool::connect_with(options.clone())
                    .await
                    .expect("pool"),
            );
            migrate::run(&pool, &Default::default())
                .await
                .expect("migrations");
            pool.close().await;
            options
        })
        .await
        .clone()
}

/// The URL form of `options`, for child processes (the CLI).
pub fn database_url(options: &PgConnectOptions) -> String {
    let database = options.get_database().unwrap_or("postgres");
    let admin = admin_url();
    match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{database}"),
        None => admin,
    }
}

/// The server's address.
pub fn server() -> (String, u16) {
    let options = admin_options();
    (options.get_host().to_owned(), options.get_port())
}

fn admin_url() -> String {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        return url.split('?').next().unwrap_or_default().to_owned();
    }
    let options = admin_options();
    let password = std::fs::read_to_string(cluster_dir().join("pg-superuser-password"))
        .expect("cluster password");
    format!(
        "postgres://{}:{}@{}:{}/postgres",
        options.get_username(),
        password.trim(),
        options.get_host(),
        options.get_port()
    )
}
