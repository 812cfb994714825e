//! Provisioning: duplicates and bad input change nothing; the warm pool is
//! used and refilled, and survives a broken or locked spare; schema DDL
//! gives up on a lock rather than queueing requests behind it.

use std::time::{Duration, Instant};
use tessera::db::Platform;

use tessera::db::migrate::{self, MigrationSet};
use tessera::tenancy::provision::{NewTenant, ProvisionError, Provisioner};
use tessera::tenancy::{Hostname, Slug, SlugError, TenantStatus, warm_pool};

use crate::helpers::{
    fresh_database, spawn_app_with, spawn_isolated_app, test_config, unique_slug,
};

/// Counts of every platform table a creation writes to, and of schemas.
async fn footprint(pool: &Platform) -> (i64, i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM platform.tenants), (SELECT count(*) FROM platform.domains),
                (SELECT count(*) FROM platform.tenant_schemas),
                (SELECT count(*) FROM platform.admin_invitations),
                (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%')",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn duplicate_slug_is_refused_and_creates_nothing() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("dup", "Original").await;
    let before = footprint(app.pool()).await;
    let mut again = NewTenant::new(tenant.slug.clone(), "Copy");
    again.admin_email = Some(tessera::accounts::Email::parse("x@example.org").unwrap());
    let error = app
        .state
        .provisioner
        .create(&again, "test")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProvisionError::SlugTaken(ref s) if *s == tenant.slug.to_string()),
        "{error}"
    );
    assert_eq!(footprint(app.pool()).await, before);
}

#[tokio::test]
async fn duplicate_domain_is_refused_and_creates_nothing() {
    let app = spawn_isolated_app().await;
    let domain = Hostname::parse(&format!("shared-{}.example", std::process::id())).unwrap();
    let mut first = NewTenant::new(unique_slug("dom1"), "First");
    first.domains = vec![domain.clone()];
    app.create(&first).await;
    let before = footprint(app.pool()).await;
    let mut second = NewTenant::new(unique_slug("dom2"), "Second");
    second.domains = vec![domain.clone()];
    let error = app
        .state
        .provisioner
        .create(&second, "test")
        .await
        .unwrap_err();
    assert!(
        matches!(error, ProvisionError::DomainTaken(ref d) if *d == domain.to_string()),
        "{error}"
    );
    assert_eq!(
        footprint(app.pool()).await,
        before,
        "a refused creation left rows or a schema behind"
    );
}

#[tokio::test]
async fn invalid_input_is_refused() {
    assert_eq!(
        Slug::parse("admin"),
        Err(SlugError::Reserved("admin".into()))
    );
    assert_eq!(Slug::parse("ab"), Err(SlugError::Length));
    assert!(Slug::parse("Bad_Slug").is_err());
    let app = spawn_isolated_app().await;
    let before = footprint(app.pool()).await;
    let provisioner = &app.state.provisioner;
    let mut under_base = NewTenant::new(unique_slug("base"), "Under Base");
    under_base.domains = vec![Hostname::parse("someone-else.localhost").unwrap()];
    let mut platform = NewTenant::new(unique_slug("plat"), "Platform");
    platform.domains = vec![Hostname::parse("admin.localhost").unwrap()];
    let mut locale = NewTenant::new(unique_slug("loc"), "Locale");
    locale.locale = "xx".into();
    let empty_name = NewTenant::new(unique_slug("empty"), " ");
    for bad in [under_base, platform, locale, empty_name] {
        let error = provisioner.create(&bad, "test").await.unwrap_err();
        assert!(matches!(error, ProvisionError::Invalid(_)), "{error}");
    }
    assert_eq!(footprint(app.pool()).await, before);
}

#[tokio::test]
async fn the_warm_pool_is_used_then_refilled() {
    let options = fresh_database().await;
    let pool = Platform::from(
        sqlx::PgPool::connect_with(options.clone())
            .await
            .expect("pool"),
    );
    migrate::run(&pool, &Default::default()).await.unwrap();
    let set = MigrationSet::tenant();
    assert_eq!(warm_pool::refill(&pool, &set, 2).await.unwrap(), 2);
    assert_eq!(
        warm_pool::ready_count(&pool, set.latest()).await.unwrap(),
        2
    );

    let mut config = test_config();
    config.warm_pool.size = 2;
    config.warm_pool.refill_interval_secs = 3600; // only the wake-up may refill
    let app = spawn_app_with(options, config).await;
    let (tenant, created) = app.create_tenant("warm", "Warm").await;
    assert!(created.from_warm_pool);
    // The claimed spare became the tenant's schema, fully usable.
    crate::helpers::publish(&app, &tenant, "from a spare").await;
    let (_, page) = app.get_text(tenant.default_host.as_str(), "/").await;
    assert!(page.contains("from a spare"));

    let started = Instant::now();
    while warm_pool::ready_count(&pool, set.latest()).await.unwrap() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the pool was not refilled"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // With the pool turned off, a creation migrates a fresh schema.
    let plain = app.state.provisioner.clone().without_warm_pool();
    let created = plain
        .create(&NewTenant::new(unique_slug("cold"), "Cold"), "test")
        .await
        .unwrap();
    assert!(!created.from_warm_pool);
    assert_eq!(
        warm_pool::ready_count(&pool, set.latest()).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn delete_removes_the_schema_and_every_row() {
    let app = spawn_isolated_app().await;
    let before = footprint(app.pool()).await;
    let (tenant, _) = app.create_tenant("del", "Doomed").await;
    crate::helpers::publish(&app, &tenant, "soon gone").await;
    purge(&app, &tenant).await.unwrap();
    assert_eq!(footprint(app.pool()).await, before);
    let error = app
        .state
        .provisioner
        .delete(&tenant.slug, "test")
        .await
        .unwrap_err();
    assert!(matches!(error, ProvisionError::NotFound(_)));
}

#[tokio::test]
async fn a_cancelled_refill_leaves_no_lock_behind() {
    let options = fresh_database().await;
    // One connection: whatever the cancelled refill held comes back to us.
    let pool = Platform::from(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap(),
    );
    migrate::run(&pool, &Default::default()).await.unwrap();
    let set = MigrationSet::tenant();
    let refill = {
        let (pool, set) = (pool.clone(), set.clone());
        tokio::spawn(async move { warm_pool::refill(&pool, &set, 50).await })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    refill.abort();
    let _ = refill.await;

    let held: i64 =
        // pg_locks covers the whole cluster: only this test's database counts.
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(held, 0, "an advisory lock outlived the cancelled refill");
    // And another refill (here, on the same backend) gets on with it.
    let before = warm_pool::ready_count(&pool, set.latest()).await.unwrap();
    let made = warm_pool::refill(&pool, &set, before as u32 + 1)
        .await
        .unwrap();
    assert_eq!(made, 1);
}

#[tokio::test]
async fn tenant_roles_follow_their_schemas() {
    let app = spawn_isolated_app().await;
    let roles = |pool: Platform| async move {
        sqlx::query_scalar::<_, String>(
            "SELECT rolname::text FROM pg_roles
             WHERE rolname LIKE (SELECT prefix || '\\_%' FROM platform.db_roles)
             ORDER BY 1",
        )
        .fetch_all(&pool)
        .await
        .unwrap()
    };
    let before = roles(app.pool().clone()).await;
    let (tenant, _) = app.create_tenant("roles", "Roles").await;
    let during = roles(app.pool().clone()).await;
    assert_eq!(during.len(), before.len() + 1, "{during:?}");
    assert!(
        during
            .iter()
            .any(|r| r.ends_with(&format!("_{}", tenant.schema())))
    );
    purge(&app, &tenant).await.unwrap();
    assert_eq!(roles(app.pool().clone()).await, before);
}

/// Runs `sql` in a transaction on a connection of its own and keeps it open
/// (holding whatever locks it took) until the returned sender is dropped.
async fn hold_locks(pool: &Platform, sql: String) -> tokio::sync::oneshot::Sender<()> {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let (held_tx, held) = tokio::sync::oneshot::channel();
    let mut conn = pool.acquire().await.unwrap().detach();
    tokio::spawn(async move {
        use sqlx::Connection;
        let mut tx = conn.begin().await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .unwrap();
        let _ = held_tx.send(());
        let _ = released.await;
        tx.rollback().await.ok();
    });
    held.await.unwrap();
    release
}

#[tokio::test]
async fn delete_gives_up_on_a_busy_schema_instead_of_queueing_requests() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("busy", "Busy").await;
    // A long tenant transaction holds its table: DROP SCHEMA must wait.
    let release = hold_locks(
        app.pool(),
        format!(
            "LOCK TABLE {}.announcements IN ACCESS SHARE MODE",
            tenant.schema()
        ),
    )
    .await;
    app.state
        .provisioner
        .delete(&tenant.slug, "test")
        .await
        .unwrap();
    let before = footprint(app.pool()).await;
    let started = Instant::now();
    let delete = app.state.provisioner.purge(tenant.id, "test");
    let outcome = tokio::time::timeout(Duration::from_secs(10), delete).await;
    let error = outcome
        .expect("delete waited on the lock for more than 10 s")
        .unwrap_err();
    assert!(error.to_string().contains("lock timeout"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(6));
    assert_eq!(
        footprint(app.pool()).await,
        before,
        "a failed delete changed something"
    );
    drop(release);
    app.state
        .provisioner
        .purge(tenant.id, "test")
        .await
        .unwrap();
}

/// Deletes a tenant and purges it at once (its schema, role and row).
async fn purge(
    app: &crate::helpers::TestApp,
    tenant: &tessera::tenancy::Tenant,
) -> Result<(), ProvisionError> {
    app.state.provisioner.delete(&tenant.slug, "test").await?;
    app.state.provisioner.purge(tenant.id, "test").await
}

/// A fresh database with `spares` warm spares, and a provisioner on it.
async fn warm_database(spares: u32) -> (Platform, Provisioner) {
    let pool = Platform::from(
        sqlx::PgPool::connect_with(fresh_database().await)
            .await
            .expect("pool"),
    );
    migrate::run(&pool, &Default::default()).await.unwrap();
    let set = MigrationSet::tenant();
    assert_eq!(
        warm_pool::refill(&pool, &set, spares).await.unwrap(),
        spares
    );
    let localhost = Hostname::parse("localhost").unwrap();
    let admin = Hostname::parse("admin.localhost").unwrap();
    (pool.clone(), Provisioner::new(pool, localhost, admin))
}

async fn spares(pool: &Platform) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT schema_name FROM platform.tenant_schemas WHERE status = 'spare' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_spare_whose_schema_was_dropped_is_passed_over_then_replaced() {
    let (pool, provisioner) = warm_database(2).await;
    let first = spares(&pool).await.remove(0);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP SCHEMA {first} CASCADE")))
        .execute(&pool)
        .await
        .unwrap();
    let created = provisioner
        .create(&NewTenant::new(unique_slug("skip"), "Skip"), "test")
        .await
        .expect("creation fails on a spare whose schema is gone");
    assert!(
        created.from_warm_pool,
        "the other, intact spare was not used"
    );

    // The refill forgets the broken spare and makes two good ones.
    let set = MigrationSet::tenant();
    warm_pool::refill(&pool, &set, 2).await.unwrap();
    let left = spares(&pool).await;
    assert!(!left.contains(&first), "{left:?}");
    assert_eq!(
        warm_pool::ready_count(&pool, set.latest()).await.unwrap(),
        2
    );
}

#[tokio::test]
async fn a_locked_spare_is_given_up_for_a_fresh_schema() {
    let (pool, provisioner) = warm_database(1).await;
    let spare = spares(&pool).await.remove(0);
    // Renaming the spare must update its migration records (ON UPDATE
    // CASCADE); a transaction holding them makes the claim wait.
    let release = hold_locks(
        &pool,
        format!(
            "SELECT 1 FROM platform.tenant_schema_migrations
             WHERE schema_name = '{spare}' FOR KEY SHARE"
        ),
    )
    .await;
    let new = NewTenant::new(unique_slug("lockd"), "Locked");
    let create = provisioner.create(&new, "test");
    let created = tokio::time::timeout(Duration::from_secs(10), create)
        .await
        .expect("the claim waited on the lock for more than 10 s")
        .unwrap();
    assert!(!created.from_warm_pool);
    drop(release);
    assert_eq!(spares(&pool).await, vec![spare], "the spare is still there");
}

#[tokio::test]
async fn set_status_audits_only_real_changes() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("audit", "Audited").await;
    let provisioner = &app.state.provisioner;
    let suspend = || provisioner.set_status(&tenant.slug, TenantStatus::Suspended, None, "test");
    assert!(suspend().await.unwrap());
    assert!(!suspend().await.unwrap());
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform.audit_log WHERE tenant_id = $1 AND action = 'tenant.suspended'",
    )
    .bind(tenant.id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(audited, 1, "a status that did not change was audited");
}

#[tokio::test]
async fn a_default_host_equal_to_the_platform_host_is_refused() {
    let pool = Platform::from(
        sqlx::PgPool::connect_with(fresh_database().await)
            .await
            .expect("pool"),
    );
    migrate::run(&pool, &Default::default()).await.unwrap();
    // A custom platform host under the base domain, not a reserved word.
    let slug = unique_slug("console");
    let platform = Hostname::parse(&format!("{slug}.localhost")).unwrap();
    let provisioner = Provisioner::new(
        pool.clone(),
        Hostname::parse("localhost").unwrap(),
        platform,
    );
    let before = footprint(&pool).await;
    let error = provisioner
        .create(&NewTenant::new(slug, "Shadow"), "test")
        .await
        .unwrap_err();
    assert!(matches!(error, ProvisionError::Invalid(_)), "{error}");
    assert_eq!(footprint(&pool).await, before);
}
