//! The benchmark data set and routes: what the harness measures must be what
//! BENCHMARK.md describes.

use tessera::bench::seed;
use tessera::db::Database;
use tessera::tenancy::{Hostname, Slug, registry};

use crate::helpers::{shared_database, spawn_app, spawn_app_with, spawn_isolated_app, test_config};

#[tokio::test]
async fn seed_builds_the_data_set_once() {
    let app = spawn_isolated_app().await;
    let db: &Database = &app.state.db;
    let provisioner = seed::provisioner(db, Hostname::parse("admin.localhost").unwrap()).unwrap();
    let first = seed::seed(db, &provisioner, 3, 2).await.unwrap();
    assert_eq!((first.created, first.filled), (3, 3));
    let again = seed::seed(db, &provisioner, 3, 2).await.unwrap();
    assert_eq!(
        (again.created, again.filled),
        (0, 0),
        "seeding twice must change nothing"
    );

    let tenant = registry::find_by_slug(app.pool(), &Slug::parse("bench-00002").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tenant.default_host.as_str(), "bench-00002.bench.localhost");
    let (name, colour) = seed::identity(2);
    assert_eq!(tenant.name, name);
    let (status, page) = app.get_text("bench-00002.bench.localhost", "/").await;
    assert_eq!(status, 200);
    assert!(page.contains(&name) && page.contains(&colour.to_string()));
    assert_eq!(page.matches("class=\"card\"").count(), 5);

    let tenant = std::sync::Arc::new(tenant);
    let mut tx = app.tenant_tx(&tenant).await;
    let (members, announcements, published): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM announcements),
                (SELECT count(*) FROM announcements WHERE published_at IS NOT NULL)",
    )
    .fetch_one(tx.conn().await.unwrap())
    .await
    .unwrap();
    assert_eq!((members, announcements, published), (200, 10, 5));
    let hosts = seed::hosts_table(3);
    assert_eq!(hosts.lines().count(), 3);
    assert!(hosts.starts_with(&format!(
        "bench-00001.bench.localhost\t{}\t",
        seed::identity(1).0
    )));
}

#[tokio::test]
async fn the_floor_route_exists_only_when_enabled() {
    let app = spawn_app().await;
    let (status, _) = app
        .get_text("admin.localhost", tessera::bench::floor::PATH)
        .await;
    // Off, it is an unknown path: the platform host sends it to sign-in.
    assert_eq!(status, 303);
    let mut config = test_config();
    config.bench_routes = true;
    let app = spawn_app_with(shared_database().await, config).await;
    let (status, page) = app
        .get_text("anything.localhost", tessera::bench::floor::PATH)
        .await;
    assert_eq!(status, 200);
    assert!((2000..=2100).contains(&page.len()));
}
