//! The migration runner: quarantine of a failing tenant, resumption after a
//! `kill -9`, and the single query of a run with nothing to do.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tessera::db::Platform;

use tessera::db::migrate::{self, Migration, MigrationSet, TenantMigrationOptions};
use tessera::tenancy::provision::{NewTenant, Provisioner};
use tessera::tenancy::{Hostname, SchemaName};

use crate::helpers::cluster::database_url;
use crate::helpers::{fresh_database, unique_slug};

async fn migrated_pool() -> (Platform, sqlx::postgres::PgConnectOptions) {
    let options = fresh_database().await;
    let pool = Platform::from(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(6)
            .connect_with(options.clone())
            .await
            .unwrap(),
    );
    migrate::run(&pool, &TenantMigrationOptions::default())
        .await
        .unwrap();
    (pool, options)
}

fn provisioner(pool: &Platform) -> Provisioner {
    let host = |h| Hostname::parse(h).unwrap();
    Provisioner::new(pool.clone(), host("localhost"), host("admin.localhost"))
}

async fn column_exists(pool: &Platform, schema: &str, column: &str) -> bool {
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
    // The five went through in one batch: each migrated schema, and only
    // those, recorded the migration beside the victim's rollback.
    let recorded: Vec<String> = sqlx::query_scalar(
        "SELECT schema_name FROM platform.tenant_schema_migrations
         WHERE version = $1 ORDER BY schema_name",
    )
    .bind(next)
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected: Vec<String> = schemas.iter().filter(|s| **s != victim).cloned().collect();
    expected.sort();
    assert_eq!(recorded, expected);
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
    let runner = Platform::from(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap(),
    );
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
async fn pending_tenants(pool: &Platform, count: usize) {
    for i in 0..count {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO platform.tenants (slug, name) VALUES ($1, 'K') RETURNING id",
        )
        .bind(format!("kill-{i}"))
        .fetch_one(pool)
        .await
        .unwrap();
        let schema = SchemaName::for_tenant(tessera::model::TenantId::new(id));
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

async fn count_at(pool: &Platform, version: i64) -> i64 {
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

/// A tenant migration after the shipped ones, failing in every schema.
fn broken_migration() -> Migration {
    Migration {
        version: MigrationSet::tenant().latest() + 1,
        name: "broken".into(),
        sql: "ALTER TABLE members ADD COLUMN nickname text; SELECT 1 / 0;".into(),
        checksum: vec![7],
    }
}

async fn schemas_with(pool: &Platform, status: &str, version: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM platform.tenant_schemas WHERE status = $1 AND version = $2",
    )
    .bind(status)
    .bind(version)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_broken_migration_stops_the_run_after_max_failures() {
    let (pool, _) = migrated_pool().await;
    let provisioner = provisioner(&pool);
    for _ in 0..10 {
        provisioner
            .create(&NewTenant::new(unique_slug("mf"), "F"), "test")
            .await
            .unwrap();
    }
    let old = MigrationSet::tenant().latest();
    let set = MigrationSet::tenant().with([broken_migration()]);
    let options = TenantMigrationOptions {
        max_failures: 3,
        ..Default::default()
    };
    let error = migrate::run_with(&pool, &MigrationSet::platform(), &set, &options)
        .await
        .unwrap_err();
    let migrate::MigrateError::TooManyFailures {
        failed, untouched, ..
    } = &error
    else {
        panic!("expected TooManyFailures, got {error}");
    };
    assert_eq!((failed.len(), *untouched), (3, 7), "{error}");
    let message = error.to_string();
    assert!(
        message.contains("max_failures = 3") && message.contains("7 schema(s) left"),
        "{message}"
    );
    assert_eq!(schemas_with(&pool, "quarantined", old).await, 3);
    assert_eq!(schemas_with(&pool, "ready", old).await, 7);
}

#[tokio::test]
async fn an_edited_or_late_inserted_tenant_migration_is_refused() {
    let (pool, _) = migrated_pool().await;
    provisioner(&pool)
        .create(&NewTenant::new(unique_slug("ed"), "E"), "test")
        .await
        .unwrap();
    let latest = MigrationSet::tenant().latest();
    let added = Migration {
        version: latest + 10,
        name: "nickname".into(),
        sql: "ALTER TABLE members ADD COLUMN nickname text;".into(),
        checksum: vec![1],
    };
    let platform = MigrationSet::platform();
    let set = MigrationSet::tenant().with([added.clone()]);
    let run = |set: MigrationSet| {
        let pool = pool.clone();
        let platform = platform.clone();
        async move { migrate::run_with(&pool, &platform, &set, &Default::default()).await }
    };
    assert_eq!(run(set.clone()).await.unwrap().tenants.migrated, 1);
    assert!(run(set.clone()).await.unwrap().nothing_pending);

    // The same version with other contents: refused, although nothing is pending.
    let edited = Migration {
        sql: "ALTER TABLE members ADD COLUMN nickname varchar(20);".into(),
        checksum: vec![2],
        ..added.clone()
    };
    let error = run(MigrationSet::tenant().with([edited]))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, migrate::MigrateError::TenantChanged { version, name }
            if *version == latest + 10 && name == "nickname"),
        "{error}"
    );

    // A new file numbered below one already applied would never run.
    let late = Migration {
        version: latest + 5,
        name: "late".into(),
        sql: "ALTER TABLE members ADD COLUMN late text;".into(),
        checksum: vec![3],
    };
    let error = run(set.with([late])).await.unwrap_err();
    assert!(
        matches!(&error, migrate::MigrateError::TenantInsertedLate { version, .. } if *version == latest + 5),
        "{error}"
    );
    assert!(error.to_string().contains("late"), "{error}");

    // A binary that lacks a migration the database has is older than it.
    let error = run(MigrationSet::tenant()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            migrate::MigrateError::DatabaseNewer { kind: "tenant", .. }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn an_edited_platform_migration_is_refused_even_with_nothing_pending() {
    let (pool, _) = migrated_pool().await;
    sqlx::query("UPDATE platform.schema_migrations SET checksum = '\\x00' WHERE version = 1")
        .execute(&pool)
        .await
        .unwrap();
    let error = migrate::run(&pool, &Default::default()).await.unwrap_err();
    assert!(
        matches!(error, migrate::MigrateError::Changed { version: 1 }),
        "{error}"
    );
}

#[tokio::test]
async fn a_spare_with_an_invalid_name_does_not_abort_the_run() {
    let (pool, _) = migrated_pool().await;
    // Only a database edited by hand gets there: the CHECK forbids it.
    sqlx::raw_sql(
        "ALTER TABLE platform.tenant_schemas DROP CONSTRAINT tenant_schemas_schema_name_check;
         INSERT INTO platform.tenant_schemas (schema_name, version, status)
         VALUES ('Spare-Bad', 0, 'spare')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let report = migrate::tenants::migrate(&pool, &MigrationSet::tenant(), &Default::default())
        .await
        .unwrap();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].schema, "Spare-Bad");
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform.tenant_schemas WHERE schema_name = 'Spare-Bad'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_row_set_aside_first_in_a_batch_does_not_spoil_the_schemas_after_it() {
    let (pool, _) = migrated_pool().await;
    let created = provisioner(&pool)
        .create(&NewTenant::new(unique_slug("sa"), "S"), "test")
        .await
        .unwrap();
    let latest = MigrationSet::tenant().latest();
    // An invalid spare at the tenant's version sorts before it (`S` < `t`):
    // both go in one batch, the invalid one first, opening no savepoint.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE platform.tenant_schemas DROP CONSTRAINT tenant_schemas_schema_name_check;
         INSERT INTO platform.tenant_schemas (schema_name, version, status)
         VALUES ('Spare-Bad', {latest}, 'spare')"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let extra = Migration {
        version: latest + 1,
        name: "nickname".into(),
        sql: "ALTER TABLE members ADD COLUMN nickname text;".into(),
        checksum: vec![3],
    };
    let set = MigrationSet::tenant().with([extra]);
    let report = migrate::tenants::migrate(&pool, &set, &Default::default())
        .await
        .unwrap();
    assert_eq!((report.migrated, report.failed.len()), (1, 1), "{report:?}");
    assert_eq!(report.failed[0].schema, "Spare-Bad");
    assert!(column_exists(&pool, created.schema.as_str(), "nickname").await);
}
