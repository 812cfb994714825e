//! What holds a connection: background tasks must not take the slots that
//! requests need.

use crate::helpers::{shared_database, spawn_app_with, test_config};

#[tokio::test]
async fn the_change_listener_does_not_hold_a_platform_connection() {
    // One platform connection: if the listener kept it, resolving a host
    // would wait for the acquire timeout and answer 503.
    let mut config = test_config();
    config.db.platform_connections = 1;
    config.db.acquire_timeout_secs = 1;
    let app = spawn_app_with(shared_database().await, config).await;
    let (tenant, _) = app.create_tenant("one-conn", "One connection").await;
    let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("One connection"));
}

#[tokio::test]
async fn the_embedded_cluster_serves_the_application_without_a_superuser() {
    use sqlx::Connection;
    let dir = std::env::temp_dir().join(format!("tessera-owner-{}", uuid::Uuid::new_v4().simple()));
    let cluster = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || tessera::db::embedded::EmbeddedPostgres::start(&dir, &Vec::new())
    })
    .await
    .unwrap()
    .expect("cluster starts");
    let attributes = |options| async move {
        let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
        let row: (bool, bool, bool) = sqlx::query_as(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.ok();
        row
    };
    let app = attributes(cluster.connect_options_for("postgres")).await;
    let admin = attributes(cluster.admin_options_for("postgres")).await;
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .unwrap()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        app,
        (false, true, true),
        "the application's role: not superuser, creates roles and databases"
    );
    assert!(
        admin.0,
        "the bootstrap role stays a superuser for maintenance"
    );
}
