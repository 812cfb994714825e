//! Tenant isolation: identical schemas, separate data; a host only ever sees
//! its own tenant's rows; PostgreSQL itself refuses another tenant's schema
//! and the platform's to a tenant transaction; nothing of a tenant's role or
//! `search_path` survives its transaction.

use std::sync::Arc;

use tessera::tenancy::Tenant;

use crate::helpers::{
    TestApp, publish, shared_database, spawn_app, spawn_app_with, spawn_unpooled, test_config,
};

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
                .fetch_one(tx.conn().await.unwrap())
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

/// The error PostgreSQL gives `statement` inside `tenant`'s transaction.
async fn refused_in(app: &TestApp, tenant: &Arc<Tenant>, statement: &str) -> sqlx::Error {
    let mut tx = app.tenant_tx(tenant).await;
    let result = sqlx::query(sqlx::AssertSqlSafe(statement.to_owned()))
        .fetch_all(tx.conn().await.unwrap())
        .await;
    match result {
        Ok(rows) => panic!("{statement} ran as {} ({} rows)", tenant.slug, rows.len()),
        Err(error) => error,
    }
}

fn is_permission_denied(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "42501")
}

#[tokio::test]
async fn another_tenants_schema_is_refused_even_by_qualified_name() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-qa", "Qualified A").await;
    let (b, _) = app.create_tenant("iso-qb", "Qualified B").await;
    publish(&app, &b, "B's secret").await;
    for statement in [
        format!("SELECT title FROM {}.announcements", b.schema()),
        format!(
            "INSERT INTO {}.announcements (title, body) VALUES ('x', 'y')",
            b.schema()
        ),
        format!("SELECT path FROM {}.theme_files", b.schema()),
    ] {
        let error = refused_in(&app, &a, &statement).await;
        assert!(is_permission_denied(&error), "{statement}: {error}");
    }
    // A's own data stays reachable by the same qualified form.
    let mut tx = app.tenant_tx(&a).await;
    let own = format!("SELECT count(*) FROM {}.announcements", a.schema());
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(own))
        .fetch_one(tx.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn platform_tables_are_refused_to_a_tenant_transaction() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-plat", "Platform probe").await;
    for statement in [
        "SELECT slug FROM platform.tenants",
        "SELECT hostname FROM platform.domains",
        "SELECT app_password FROM platform.db_roles",
        "UPDATE platform.tenants SET name = 'pwned'",
    ] {
        let error = refused_in(&app, &a, statement).await;
        assert!(is_permission_denied(&error), "{statement}: {error}");
    }
}

#[tokio::test]
async fn tenant_transaction_runs_as_its_own_unprivileged_role() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-role", "Role").await;
    let mut tx = app.tenant_tx(&a).await;
    let (current, session, superuser): (String, String, bool) = sqlx::query_as(
        "SELECT current_user::text, session_user::text,
                (SELECT rolsuper FROM pg_roles WHERE rolname = session_user)",
    )
    .fetch_one(tx.conn().await.unwrap())
    .await
    .unwrap();
    assert!(current.ends_with(&format!("_{}", a.schema())), "{current}");
    assert!(session.ends_with("_app"), "{session}");
    assert!(!superuser, "requests must not be served by a superuser");
    tx.commit().await.unwrap();

    // Without `SET LOCAL ROLE` the login role can read nothing.
    let mut tx = app.tenant_tx(&a).await;
    sqlx::query("RESET ROLE")
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    let own = format!("SELECT count(*) FROM {}.announcements", a.schema());
    let error = sqlx::query(sqlx::AssertSqlSafe(own))
        .fetch_one(tx.conn().await.unwrap())
        .await
        .unwrap_err();
    assert!(is_permission_denied(&error), "{error}");
}

#[tokio::test]
async fn tenant_transaction_has_no_fallback_schema() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("iso-path", "Path").await;
    // A table in `public`, readable by everyone: only a fallback schema on
    // the tenant's path could make the unqualified name resolve.
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS public.canary (x int);
         GRANT SELECT ON public.canary TO PUBLIC",
    )
    .execute(app.pool())
    .await
    .unwrap();
    let mut tx = app.tenant_tx(&a).await;
    let schemas: Vec<String> = sqlx::query_scalar("SELECT unnest(current_schemas(false))::text")
        .fetch_all(tx.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(schemas, [a.schema().to_string()]);
    let error = sqlx::query("SELECT x FROM canary")
        .fetch_all(tx.conn().await.unwrap())
        .await
        .unwrap_err();
    let code = error.as_database_error().and_then(|e| e.code());
    assert_eq!(code.as_deref(), Some("42P01"), "{error}"); // undefined_table
}

#[tokio::test]
async fn a_temporary_table_cannot_shadow_a_tenant_table() {
    let mut config = test_config();
    config.db.max_connections = 1;
    let app = spawn_app_with(shared_database().await, config).await;
    let (a, _) = app.create_tenant("iso-temp", "Temp").await;
    publish(&app, &a, "the real one").await;
    let mut tx = app.tenant_tx(&a).await;
    sqlx::query("CREATE TEMP TABLE announcements (title text)")
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    sqlx::query("INSERT INTO pg_temp.announcements VALUES ('shadow')")
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    let titles: Vec<String> = sqlx::query_scalar("SELECT title FROM announcements")
        .fetch_all(tx.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(titles, ["the real one"]);
}

#[tokio::test]
async fn a_request_leaves_its_connection_idle_and_unscoped() {
    // One tenant connection in the pool: the request and the checks below
    // necessarily use the same backend. Not through the suite's pooler,
    // which may give each transaction another server connection.
    let mut config = test_config();
    config.db.max_connections = 1;
    let app = spawn_unpooled(shared_database().await, config).await;
    let (a, _) = app.create_tenant("iso-pool-a", "Pool A").await;
    let (b, _) = app.create_tenant("iso-pool-b", "Pool B").await;
    publish(&app, &a, "hello").await;

    let backend_of = |tenant| {
        let app = &app;
        async move {
            let mut tx = app.tenant_tx(tenant).await;
            let row: (i32, String, String) = sqlx::query_as(
                "SELECT pg_backend_pid(), current_user::text, current_setting('search_path')",
            )
            .fetch_one(tx.conn().await.unwrap())
            .await
            .unwrap();
            tx.commit().await.unwrap();
            row
        }
    };
    let (backend, _, _) = backend_of(&a).await;
    let (status, page) = app.get_text(a.default_host.as_str(), "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("hello"));

    let state: String = sqlx::query_scalar("SELECT state FROM pg_stat_activity WHERE pid = $1")
        .bind(backend)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(state, "idle", "the request left its transaction open");

    // The next tenant on the same backend gets its own role and path only.
    let (same_backend, current, path) = backend_of(&b).await;
    assert_eq!(
        same_backend, backend,
        "the pool handed out another connection"
    );
    assert!(current.ends_with(&format!("_{}", b.schema())), "{current}");
    assert_eq!(path, format!("{}, pg_temp", b.schema()));
}
