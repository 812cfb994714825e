//! A streaming replica of the primary (`[db.replica]`), with real
//! PostgreSQL replication between two clusters: exports read from it while
//! it keeps up (its data may be seconds old) and from the primary once it
//! falls behind; when the primary is lost, the promoted replica serves every
//! tenant, writes included.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tessera::auth::Role;
use tessera::config::ReplicaConfig;
use tessera::db::embedded::EmbeddedPostgres;
use tessera::tenancy::Tenant;

use crate::contributions_fixture::{PASSWORD, Pay, pay, person};
use crate::helpers::api_client::login;
use crate::helpers::cluster::when_we_exit;
use crate::helpers::{TestApp, migrate, publish, spawn_unpooled, test_config};

/// A primary cluster and a hot standby made from it by `pg_basebackup`.
struct Replicated {
    primary: Option<EmbeddedPostgres>,
    primary_dir: PathBuf,
    replica_dir: PathBuf,
    replica_port: u16,
    password: String,
}

fn postgres_bin(name: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL installed")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    dirs.sort();
    dirs.pop().expect("a PostgreSQL version").join(name)
}

/// `program args…` as the `postgres` user when we are root (the clusters
/// run as that user), as ourselves otherwise.
fn as_postgres(program: &Path, args: &[&str], env: &[(&str, &str)]) {
    let root = nix::unistd::geteuid().is_root();
    let mut command = match root {
        true => {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        }
        false => Command::new(program),
    };
    command.args(args).envs(env.iter().copied());
    let output = command.output().expect("runs");
    assert!(
        output.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

impl Replicated {
    async fn start() -> Self {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let primary_dir = std::env::temp_dir().join(format!("tessera-primary-{id}"));
        let replica_dir = std::env::temp_dir().join(format!("tessera-standby-{id}"));
        let start_dir = primary_dir.clone();
        let primary =
            tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&start_dir, &Vec::new()))
                .await
                .expect("join")
                .expect("the primary");
        let password = std::fs::read_to_string(primary_dir.join("pg-superuser-password"))
            .expect("password")
            .trim()
            .to_owned();
        let replica_port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        when_we_exit(&format!(
            "{stop} >/dev/null 2>&1; runuser -u postgres -- {ctl} -D '{r}' -m immediate stop \
             >/dev/null 2>&1; {ctl} -D '{r}' -m immediate stop >/dev/null 2>&1; \
             rm -rf '{p}' '{r}'",
            stop = primary.stop_command(),
            ctl = postgres_bin("pg_ctl").display(),
            r = replica_dir.display(),
            p = primary_dir.display(),
        ));
        let port = primary.port().to_string();
        let target = replica_dir.display().to_string();
        let backup = [
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "postgres",
            "-D",
            &target,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ];
        as_postgres(
            &postgres_bin("pg_basebackup"),
            &backup,
            &[("PGPASSWORD", &password)],
        );
        let options = format!(
            "-p {replica_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        );
        let log = replica_dir.join("standby.log").display().to_string();
        let start = ["-D", &target, "-l", &log, "-o", &options, "-w", "start"];
        as_postgres(&postgres_bin("pg_ctl"), &start, &[]);
        Self {
            primary: Some(primary),
            primary_dir,
            replica_dir,
            replica_port,
            password,
        }
    }

    fn primary_options(&self) -> PgConnectOptions {
        self.primary
            .as_ref()
            .expect("primary running")
            .admin_options_for("postgres")
    }

    fn replica_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .host("127.0.0.1")
            .port(self.replica_port)
            .username("postgres")
            .password(&self.password)
            .database("postgres")
    }

    fn replica_url(&self) -> String {
        format!(
            "postgres://postgres:{}@127.0.0.1:{}/postgres",
            self.password, self.replica_port
        )
    }

    /// Loses the primary, then promotes the standby.
    fn fail_over(&mut self) {
        if let Some(primary) = self.primary.take() {
            primary.stop().expect("primary stopped");
        }
        let target = self.replica_dir.display().to_string();
        as_postgres(
            &postgres_bin("pg_ctl"),
            &["-D", &target, "-w", "promote"],
            &[],
        );
    }
}

impl Drop for Replicated {
    fn drop(&mut self) {
        if let Some(primary) = self.primary.take() {
            primary.stop().ok();
        }
        let target = self.replica_dir.display().to_string();
        let ctl = postgres_bin("pg_ctl");
        let stop = ["-D", target.as_str(), "-m", "immediate", "stop"];
        let _ = std::panic::catch_unwind(|| as_postgres(&ctl, &stop, &[]));
        std::fs::remove_dir_all(&self.primary_dir).ok();
        std::fs::remove_dir_all(&self.replica_dir).ok();
    }
}

async fn on_replica(options: &PgConnectOptions, sql: &str) -> i64 {
    let mut conn = PgConnection::connect_with(options).await.expect("replica");
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .expect("replica query");
    conn.close().await.ok();
    n
}

/// Waits until the standby has `count` payments for `tenant`.
async fn replicated(options: &PgConnectOptions, tenant: &Tenant, count: i64) {
    let sql = format!("SELECT count(*) FROM {}.payments", tenant.schema());
    for _ in 0..100 {
        if on_replica(options, &sql).await == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the standby never caught up");
}

async fn export(app: &TestApp, tenant: &Tenant, token: &str) -> String {
    let reply = app
        .http
        .get(format!("http://{}/api/v1/payments/export.csv", app.addr))
        .header("host", tenant.default_host.as_str())
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    assert_eq!(reply.status(), 200);
    reply.text().await.expect("csv")
}

async fn payer(app: &TestApp, tenant: &Arc<Tenant>, name: &str) {
    let email = format!("{}@example.org", name.to_lowercase().replace(' ', "."));
    let payer = person(app, tenant, &email, name, Role::Member, false).await;
    let note = Some(name);
    pay(
        app,
        tenant,
        Pay {
            payer,
            note,
            ..Pay::default()
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_read_the_replica_while_it_keeps_up_and_a_promoted_replica_serves_everything() {
    let mut clusters = Replicated::start().await;
    let primary = clusters.primary_options();
    migrate(&primary).await;
    let standby = clusters.replica_options();
    let mut config = test_config();
    config.cache.pages = false; // every page reads the database
    config.db.replica = Some(ReplicaConfig {
        url: clusters.replica_url().into(),
        max_lag_secs: 5,
        pooler: None,
    });
    let app = spawn_unpooled(primary.clone(), config.clone()).await;
    let (tenant, _) = app.create_tenant("replica", "Club Réplique").await;
    let host = tenant.default_host.to_string();
    person(
        &app,
        &tenant,
        "t@example.org",
        "Tess",
        Role::Treasurer,
        true,
    )
    .await;
    let (token, _) = login(&app, &host, "t@example.org", PASSWORD).await;
    payer(&app, &tenant, "Alice Avant").await;
    replicated(&standby, &tenant, 1).await;
    assert!(export(&app, &tenant, &token).await.contains("Alice Avant"));

    // Replay paused: the standby keeps what it had. An export within the
    // allowed lag reads it there, without the payment recorded since.
    on_replica(
        &standby,
        "SELECT 1::bigint FROM (SELECT pg_wal_replay_pause()) AS p",
    )
    .await;
    payer(&app, &tenant, "Paul Pendant").await;
    let early = export(&app, &tenant, &token).await;
    assert!(early.contains("Alice Avant"));
    assert!(
        !early.contains("Paul Pendant"),
        "the export did not read the standby"
    );
    // Past the allowed lag, the primary answers.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(export(&app, &tenant, &token).await.contains("Paul Pendant"));
    on_replica(
        &standby,
        "SELECT 1::bigint FROM (SELECT pg_wal_replay_resume()) AS p",
    )
    .await;
    replicated(&standby, &tenant, 2).await;

    // The primary is lost; the standby, promoted, serves reads and writes.
    drop(app);
    clusters.fail_over();
    config.db.replica = None;
    let app = spawn_unpooled(standby.clone(), config).await;
    let (status, page) = app.get_text(&host, "/").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Club Réplique"));
    let tenant = Arc::new(
        tessera::tenancy::registry::find_by_slug(app.pool(), &tenant.slug)
            .await
            .expect("lookup")
            .expect("tenant"),
    );
    publish(&app, &tenant, "Après la bascule").await;
    let (status, page) = app.get_text(&host, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Après la bascule"));
    let csv = export(&app, &tenant, &token).await;
    assert!(csv.contains("Alice Avant") && csv.contains("Paul Pendant"));
}
