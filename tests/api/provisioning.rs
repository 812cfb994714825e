//! Provisioning: duplicates and bad input change nothing; the warm pool is
//! used and refilled.

use std::time::{Duration, Instant};

use sqlx::PgPool;
use tessera::db::migrate::{self, MigrationSet};
use tessera::tenancy::provision::{NewTenant, ProvisionError};
use tessera::tenancy::{Hostname, Slug, SlugError, warm_pool};

use crate::helpers::{
    fresh_database, spawn_app_with, spawn_isolated_app, test_config, unique_slug,
};

/// Counts of every platform table a creation writes to, and of schemas.
async fn footprint(pool: &PgPool) -> (i64, i64, i64, i64, i64) {
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
    let pool = PgPool::connect_with(options.clone()).await.unwrap();
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
    app.state
        .provisioner
        .delete(&tenant.slug, "test")
        .await
        .unwrap();
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
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
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
        sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
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
    let roles = |pool: PgPool| async move {
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
    app.state
        .provisioner
        .delete(&tenant.slug, "test")
        .await
        .unwrap();
    assert_eq!(roles(app.pool().clone()).await, before);
}
