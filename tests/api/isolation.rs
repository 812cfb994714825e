//! Tenant isolation: identical schemas, separate data; a host only ever sees
//! its own tenant's rows; nothing of a tenant's `search_path` survives its
//! transaction.

use crate::helpers::{publish, shared_database, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn each_host_sees_only_its_own_tenant() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-a", "Club Alpha").await;
    let (b, _) = app.create_tenant("iso-b", "Club Beta").await;
    let id_a = publish(&app, &a, "Alpha news").await;
    let id_b = publish(&app, &b, "Beta news").await;
    // Same shape, separate sequences: each schema numbers its own rows.
    assert_eq!(id_a, id_b, "identical schemas start identical sequences");

    let (status, page_a) = app.get_text(a.default_host.as_str(), "/").await;
    assert_eq!(status, 200);
    assert!(page_a.contains("Club Alpha") && page_a.contains("Alpha news"));
    assert!(
        !page_a.contains("Beta"),
        "tenant A's page shows B's data:\n{page_a}"
    );

    let (_, page_b) = app.get_text(b.default_host.as_str(), "/").await;
    assert!(page_b.contains("Club Beta") && page_b.contains("Beta news"));
    assert!(!page_b.contains("Alpha"), "tenant B's page shows A's data");
}

#[tokio::test]
async fn writes_land_in_the_writers_schema_only() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-w", "Writer").await;
    let (b, _) = app.create_tenant("iso-r", "Reader").await;
    publish(&app, &a, "written by A").await;

    let count = |tenant| {
        let app = &app;
        async move {
            let mut tx = app.tenant_tx(tenant).await;
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM announcements")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            n
        }
    };
    assert_eq!(count(&a).await, 1);
    assert_eq!(count(&b).await, 0);

    // The rows really are in A's schema and nowhere else.
    let in_schema = |schema: String| {
        let pool = app.pool().clone();
        async move {
            let sql = format!("SELECT count(*) FROM {schema}.announcements");
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(in_schema(a.schema().to_string()).await, 1);
    assert_eq!(in_schema(b.schema().to_string()).await, 0);
}

#[tokio::test]
async fn tenant_transaction_has_no_fallback_schema() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-path", "Path").await;
    let mut tx = app.tenant_tx(&a).await;
    let path: String = sqlx::query_scalar("SELECT current_setting('search_path')")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(path, a.schema().to_string());
    // A platform table is not reachable unqualified.
    let error = sqlx::query("SELECT 1 FROM tenants")
        .fetch_one(&mut *tx)
        .await;
    assert!(
        error.is_err(),
        "platform tables must not be on the tenant path"
    );
}

#[tokio::test]
async fn search_path_does_not_outlive_the_request() {
    // One tenant connection in the pool: the request and the check below
    // necessarily use the same backend.
    let mut config = test_config();
    config.db.max_connections = 1;
    let app = spawn_app_with(shared_database().await, config).await;
    let (a, _) = app.create_tenant("iso-pool", "Pool").await;
    publish(&app, &a, "hello").await;

    let mut conn = app.state.db.raw_shard_connection(a.id).await.unwrap();
    let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    drop(conn);

    let (status, page) = app.get_text(a.default_host.as_str(), "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("hello"));

    let state: String = sqlx::query_scalar("SELECT state FROM pg_stat_activity WHERE pid = $1")
        .bind(backend)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(state, "idle", "the request left its transaction open");

    let mut conn = app.state.db.raw_shard_connection(a.id).await.unwrap();
    let (same_backend, path): (i32, String) =
        sqlx::query_as("SELECT pg_backend_pid(), current_setting('search_path')")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(
        same_backend, backend,
        "the pool handed out another connection"
    );
    assert_eq!(
        path, "\"$user\", public",
        "search_path leaked past the transaction"
    );
}
