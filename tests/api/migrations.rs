//! The migration runner: quarantine of a failing tenant, resumption after a
//! `kill -9`, and the single query of a run with nothing to do.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tessera::db::migrate::{self, Migration, MigrationSet, TenantMigrationOptions};
use tessera::tenancy::provision::{NewTenant, Provisioner};
use tessera::tenancy::{Hostname, SchemaName};

use crate::helpers::cluster::database_url;
use crate::helpers::{fresh_database, unique_slug};

async fn migrated_pool() -> (PgPool, sqlx::postgres::PgConnectOptions) {
    let options = fresh_database().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(6)
        .connect_with(options.clone())
        .await
        .unwrap();
    migrate::run(&pool, &TenantMigrationOptions::default())
        .await
        .unwrap();
    (pool, options)
}

fn provisioner(pool: &PgPool) -> Provisioner {
    let host = |h| Hostname::parse(h).unwrap();
    Provisioner::new(pool.clone(), host("localhost"), host("admin.localhost"))
}

async fn column_exists(pool: &PgPool, schema: &str, column: &str) -> bool {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'members' AND column_name = $2)",
    )
    .bind(schema)
    .bind(column)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_failing_tenant_is_quarantined_and_the_others_proceed() {
    let (pool, _) = migrated_pool().await;
    let provisioner = provisioner(&pool);
    let mut schemas = Vec::new();
    for _ in 0..5 {
        let created = provisioner
            .create(&NewTenant::new(unique_slug("mq"), "M"), "test")
            .await
            .unwrap();
        schemas.push(created.schema.to_string());
    }
    let victim = schemas[2].clone();
    let next = MigrationSet::tenant().latest() + 1;
    let extra = Migration {
        version: next,
        name: "nickname".into(),
        sql: format!(
            "ALTER TABLE members ADD COLUMN nickname text NOT NULL DEFAULT '';
             DO $$ BEGIN IF current_schema() = '{victim}' THEN RAISE EXCEPTION 'boom in {victim}'; END IF; END $$;"
        ),
        checksum: vec![1],
    };
    let set = MigrationSet::tenant().with([extra]);
    let report = migrate::tenants::migrate(&pool, &set, &TenantMigrationOptions::default())
        .await
        .unwrap();
    assert_eq!(report.migrated, 4);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].schema, victim);
    assert!(
        report.failed[0].error.contains("boom"),
        "{:?}",
        report.failed[0]
    );
    assert_eq!(report.quarantined, 1);

    for schema in &schemas {
        let has = column_exists(&pool, schema, "nickname").await;
        assert_eq!(
            has,
            *schema != victim,
            "{schema}: the failed migration must leave nothing behind"
        );
    }
    let (version, status, error): (i64, String, Option<String>) = sqlx::query_as(
        "SELECT version, status, last_error FROM platform.tenant_schemas WHERE schema_name = $1",
    )
    .bind(&victim)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((version, status.as_str()), (next - 1, "quarantined"));
    assert!(error.unwrap().contains("nickname"));

    // The next run skips the quarantined schema and finds nothing to do.
    let again = migrate::run_with(&pool, &MigrationSet::platform(), &set, &Default::default())
        .await
        .unwrap();
    assert!(again.nothing_pending);
    assert_eq!(again.tenants.quarantined, 1);

    // Once the cause is fixed, `--retry-quarantined` puts it back in line.
    assert_eq!(
        migrate::tenants::release_quarantine(&pool).await.unwrap(),
        1
    );
    let fixed = Migration {
        version: next,
        name: "nickname".into(),
        sql: "ALTER TABLE members ADD COLUMN nickname text NOT NULL DEFAULT '';".into(),
        checksum: vec![2],
    };
    let set = MigrationSet::tenant().with([fixed]);
    let retry = migrate::tenants::migrate(&pool, &set, &TenantMigrationOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (retry.migrated, retry.failed.len(), retry.quarantined),
        (1, 0, 0)
    );
    assert!(column_exists(&pool, &victim, "nickname").await);
}

#[tokio::test]
async fn a_run_with_nothing_pending_costs_one_query() {
    let (pool, options) = migrated_pool().await;
    provisioner(&pool)
        .create(&NewTenant::new(unique_slug("noop"), "N"), "test")
        .await
        .unwrap();
    let database = options.get_database().unwrap().to_owned();
    let admin = sqlx::PgPool::connect_with(options.clone().database("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&admin)
        .await
        .unwrap();

    // A dedicated connection, opened before the counters are reset.
    let runner = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    sqlx::query("SELECT 1").execute(&runner).await.unwrap();
    sqlx::query("SELECT pg_stat_statements_reset()")
        .execute(&admin)
        .await
        .unwrap();
    let report = migrate::run(&runner, &Default::default()).await.unwrap();
    assert!(report.nothing_pending);

    let calls: i64 = sqlx::query_scalar(
        "SELECT coalesce(sum(s.calls), 0)::bigint FROM pg_stat_statements s
         JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1",
    )
    .bind(&database)
    .fetch_one(&admin)
    .await
    .unwrap();
    assert_eq!(
        calls, 1,
        "a no-op migration run must issue exactly one query"
    );
}

/// Registers `count` tenants whose schemas exist but hold no tables yet
/// (version 0), as after deploying a release with new migrations.
async fn pending_tenants(pool: &PgPool, count: usize) {
    for i in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO platform.tenants (slug, name) VALUES ($1, 'K') RETURNING id",
        )
        .bind(format!("kill-{i}"))
        .fetch_one(pool)
        .await
        .unwrap();
        let schema = SchemaName::for_tenant(id);
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO platform.tenant_schemas (schema_name, tenant_id, version, status) VALUES ($1, $2, 0, 'ready')")
            .bind(schema.as_str())
            .bind(id)
            .execute(pool)
            .await
            .unwrap();
    }
}

async fn count_at(pool: &PgPool, version: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM platform.tenant_schemas WHERE version = $1")
        .bind(version)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn migrate_command(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .args(["migrate", "--parallelism", "1"])
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[tokio::test]
async fn a_run_killed_mid_way_is_finished_by_the_next() {
    const TENANTS: usize = 120;
    let (pool, options) = migrated_pool().await;
    pending_tenants(&pool, TENANTS).await;
    let latest = MigrationSet::tenant().latest();
    let url = database_url(&options);

    let mut first = migrate_command(&url).spawn().unwrap();
    let started = Instant::now();
    while count_at(&pool, latest).await < 5 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let done_before = count_at(&pool, latest).await;
    assert!(
        done_before >= 5 && (done_before as usize) < TENANTS,
        "killed after {done_before} tenants"
    );

    let status = migrate_command(&url).status().unwrap();
    assert!(status.success());
    assert_eq!(count_at(&pool, latest).await as usize, TENANTS);
    // Every schema holds each table exactly once, fully migrated.
    let tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema LIKE 't\\_%' AND table_name = 'members'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(tables as usize, TENANTS);
}
