//! Only `serve`, `demo` and `migrate` change the schema. The other commands
//! refuse, changing nothing, a database that is not at the binary's version;
//! `migrate` refuses a database that a newer binary has migrated, which
//! `serve` serves as it is (a release's migrations only add, so the
//! previous release runs beside the next during a rolling upgrade).

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tessera::db::Platform;

use crate::helpers::cluster::database_url;
use crate::helpers::fresh_database;

fn tessera(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .args(args);
    command
}

fn run(url: &str, args: &[&str]) -> Output {
    tessera(url, args).output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Whether `serve` on `url` is still running after a few seconds (it
/// exits at once when it refuses the database); stopped either way.
fn serve_keeps_running(url: &str) -> bool {
    let mut child = tessera(url, &["serve", "--port", "0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(5) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    true
}

async fn platform_schema_exists(pool: &Platform) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'platform')")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn commands_other_than_migrate_refuse_an_unmigrated_database_and_change_nothing() {
    let options = fresh_database().await;
    let url = database_url(&options);
    let pool = Platform::from(sqlx::PgPool::connect_with(options).await.expect("pool"));
    let commands: [&[&str]; 3] = [
        &["tenant", "list"],
        &[
            "tenant",
            "create",
            "--slug",
            "early-club",
            "--name",
            "Early",
        ],
        &["theme", "check", "--tenant", "early-club"],
    ];
    for args in commands {
        let output = run(&url, args);
        assert!(!output.status.success(), "{args:?}");
        let stderr = stderr(&output);
        assert!(
            stderr.contains("run `tessera migrate`"),
            "{args:?}: {stderr}"
        );
        assert!(!platform_schema_exists(&pool).await, "{args:?} migrated");
    }
    assert!(run(&url, &["migrate"]).status.success());
    let listed = run(&url, &["tenant", "list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_binary_is_refused_by_commands_and_served_by_serve() {
    let options = fresh_database().await;
    let url = database_url(&options);
    let pool = Platform::from(sqlx::PgPool::connect_with(options).await.expect("pool"));
    assert!(run(&url, &["migrate"]).status.success());
    let futures = [
        (
            "platform",
            "INSERT INTO platform.schema_migrations (version, name, checksum) VALUES (9999, 'future', '\\x00')",
            "DELETE FROM platform.schema_migrations WHERE version = 9999",
        ),
        (
            "tenant",
            "INSERT INTO platform.tenant_migration_checksums (version, checksum) VALUES (9999, '\\x00')",
            "DELETE FROM platform.tenant_migration_checksums WHERE version = 9999",
        ),
    ];
    for (kind, insert, delete) in futures {
        sqlx::raw_sql(sqlx::AssertSqlSafe(insert))
            .execute(&pool)
            .await
            .unwrap();
        let refused = run(&url, &["migrate"]);
        assert!(!refused.status.success(), "{kind}");
        let message = stderr(&refused);
        assert!(
            message.contains(&format!("{kind} migration 9999"))
                && message.contains("newer tessera"),
            "{kind}: {message}"
        );
        assert!(serve_keeps_running(&url), "{kind}: serve refused it");
        let listed = run(&url, &["tenant", "list"]);
        assert!(stderr(&listed).contains("newer tessera"), "{kind}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(delete))
            .execute(&pool)
            .await
            .unwrap();
    }
    assert!(run(&url, &["tenant", "list"]).status.success());
}
