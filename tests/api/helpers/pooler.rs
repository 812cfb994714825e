//! pgbouncer in transaction mode in front of the test cluster, for the
//! suite's second pass (`TESSERA_TEST_POOLER=pgbouncer`, see `tests/run.sh`):
//! every application the tests start then sends its tenant pools through
//! it, so server connections are shared between tenants and databases.
//!
//! It runs `deploy/pgbouncer/pgbouncer.ini` itself (addresses, paths and
//! pool sizes changed), logging clients in through the
//! `auth_query` function of `deploy/pgbouncer/auth.sql`, and keeps server
//! connections only briefly idle: tests create hundreds of databases, each
//! with its own pool, and the cluster's connections are few.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tessera::config::PoolerConfig;

/// The pooler the tests go through, started on first use; `None` unless
/// `TESSERA_TEST_POOLER=pgbouncer`.
pub fn pooler() -> Option<PoolerConfig> {
    static POOLER: OnceLock<Option<PoolerConfig>> = OnceLock::new();
    POOLER
        .get_or_init(|| match std::env::var("TESSERA_TEST_POOLER").as_deref() {
            Ok("pgbouncer") => Some(start_pgbouncer()),
            Ok(other) => panic!("TESSERA_TEST_POOLER={other}: only pgbouncer is known"),
            Err(_) => None,
        })
        .clone()
}

#[allow(clippy::zombie_processes)] // stopped by the watchdog when we exit
fn start_pgbouncer() -> PoolerConfig {
    let server = super::cluster::server();
    let dir = std::env::temp_dir().join(format!("tessera-test-pgbouncer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("pgbouncer folder");
    let port = super::pebble::free_port();
    let config = dir.join("pgbouncer.ini");
    std::fs::write(&config, settings(&dir, &server, port)).expect("pgbouncer.ini");
    let userlist = format!("\"{AUTH_USER}\" \"{}\"\n", auth_password());
    std::fs::write(dir.join("userlist.txt"), userlist).expect("userlist.txt");
    let child = pgbouncer_command(&dir, &config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pgbouncer starts (is it installed?)");
    stop_when_we_exit(child.id(), &dir);
    wait_until_listening(port, &dir);
    PoolerConfig {
        host: "127.0.0.1".into(),
        port,
        database: None,
    }
}

/// The configuration shipped in `deploy/`, used as it is but for where to
/// listen, what to forward to, and small, short-lived server pools.
const DEPLOYED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/deploy/pgbouncer/pgbouncer.ini"
);

/// The role pgbouncer runs `auth_query` as (see `deploy/pgbouncer/auth.sql`).
const AUTH_USER: &str = "pgbouncer";

fn auth_password() -> &'static str {
    static PASSWORD: OnceLock<String> = OnceLock::new();
    PASSWORD.get_or_init(|| uuid::Uuid::new_v4().simple().to_string())
}

/// Readies a new database for the pooler (when the suite runs through
/// one): the `pgbouncer` role exists and the database has the
/// `auth_query` function of `deploy/pgbouncer/auth.sql`.
pub async fn prepare(superuser: &sqlx::postgres::PgConnectOptions) {
    if std::env::var_os("TESSERA_TEST_POOLER").is_none() {
        return;
    }
    use sqlx::Connection;
    let mut database = sqlx::PgConnection::connect_with(superuser)
        .await
        .expect("connection to the new database");
    static ROLE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let role = format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{AUTH_USER}') \
         THEN CREATE ROLE {AUTH_USER} LOGIN; END IF; END $$; \
         ALTER ROLE {AUTH_USER} PASSWORD '{}'",
        auth_password()
    );
    ROLE.get_or_init(|| run(&mut database, role)).await;
    let function = include_str!("../../../deploy/pgbouncer/auth.sql");
    run(&mut database, function.to_owned()).await;
    database.close().await.ok();
}

async fn run(database: &mut sqlx::PgConnection, sql: String) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(database)
        .await
        .expect("the pooler's role and function");
}

/// The deployed file with its addresses and paths changed: `*` forwards
/// every database name to the same database of the test cluster.
fn settings(dir: &std::path::Path, server: &(String, u16), port: u16) -> String {
    let (host, server_port) = server;
    let dir = dir.display();
    let changed = [
        ("listen_addr", "127.0.0.1".to_owned()),
        ("listen_port", port.to_string()),
        ("auth_file", format!("{dir}/userlist.txt")),
        ("default_pool_size", "3".into()),
        // A request that opens a second transaction while holding one (a
        // cache filled apart) waits for a server; the reserve, after
        // reserve_pool_timeout, ends such waits, as deployed.
        ("reserve_pool_size", "4".into()),
        ("server_idle_timeout", "2".into()),
        ("logfile", format!("{dir}/pgbouncer.log")),
        ("pidfile", format!("{dir}/pgbouncer.pid")),
    ];
    let deployed = std::fs::read_to_string(DEPLOYED).expect("the deployed pgbouncer.ini");
    let mut lines = Vec::new();
    for line in deployed.lines() {
        let key = line.split('=').next().unwrap_or_default().trim();
        if line.trim() == "[databases]" {
            lines.push(line.to_owned());
            lines.push(format!(
                "* = host={host} port={server_port} auth_user={AUTH_USER}"
            ));
        } else if let Some((_, value)) = changed.iter().find(|(name, _)| *name == key) {
            lines.push(format!("{key} = {value}"));
        } else if !line.starts_with("tessera =") {
            lines.push(line.to_owned());
        }
    }
    for (key, _) in changed {
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with(&format!("{key} = "))),
            "the deployed pgbouncer.ini no longer sets {key}"
        );
    }
    lines.join("\n") + "\n"
}

/// pgbouncer refuses to run as root: it then runs as `postgres`, like the
/// test cluster.
fn pgbouncer_command(dir: &std::path::Path, config: &std::path::Path) -> Command {
    let binary = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]
        .into_iter()
        .find(|path| std::path::Path::new(path).exists())
        .unwrap_or("pgbouncer");
    let mut command = Command::new(binary);
    if nix::unistd::geteuid().is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()
            .expect("chown");
        assert!(status.success(), "the pgbouncer folder goes to postgres");
        command.args(["-u", "postgres"]);
    }
    command.arg(config);
    command
}

fn wait_until_listening(port: u16, dir: &std::path::Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let log = std::fs::read_to_string(dir.join("pgbouncer.log")).unwrap_or_default();
        assert!(Instant::now() < deadline, "pgbouncer did not start:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// pgbouncer goes when this test process does.
fn stop_when_we_exit(pgbouncer: u32, dir: &std::path::Path) {
    super::cluster::when_we_exit(&format!("kill {pgbouncer}; rm -rf '{}'", dir.display()));
}
