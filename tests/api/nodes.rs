//! Several PostgreSQL servers: a second cluster is a node (`[[db.nodes]]`).
//! New tenants go to the least loaded server and each is served from its
//! own; a node's tenant roles are as confined as the primary's; jobs its
//! transactions enqueue reach the primary's queue; `tessera tenant move`
//! copies a tenant to the other cluster while clients keep writing, and
//! every write it acknowledged is there afterwards.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};
use tessera::auth::Role;
use tessera::config::NodeConfig;
use tessera::db::embedded::EmbeddedPostgres;
use tessera::jobs::{NewJob, enqueue};
use tessera::tenancy::audit::Actor;
use tessera::tenancy::{Tenant, registry};

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::cluster::when_we_exit;
use crate::helpers::{TestApp, migrate, migrated_database, publish, spawn_app_with, test_config};

/// The application on a fresh primary database and a node `east` on a
/// cluster of its own; the node's options (its superuser, for checks).
async fn two_clusters() -> (TestApp, PgConnectOptions, SecondCluster) {
    let cluster = SecondCluster::start().await;
    let node = cluster.options.clone();
    migrate(&node).await;
    let mut config = test_config();
    config.cache.pages = false;
    config.db.nodes = vec![NodeConfig {
        name: "east".into(),
        url: cluster.url.clone().into(),
        pooler: None,
    }];
    let app = spawn_app_with(migrated_database().await, config).await;
    (app, node, cluster)
}

struct SecondCluster {
    cluster: Option<EmbeddedPostgres>,
    dir: PathBuf,
    url: String,
    options: PgConnectOptions,
}

impl SecondCluster {
    async fn start() -> Self {
        let dir =
            std::env::temp_dir().join(format!("tessera-node-{}", uuid::Uuid::new_v4().simple()));
        let start_dir = dir.clone();
        let cluster =
            tokio::task::spawn_blocking(move || EmbeddedPostgres::start(&start_dir, &Vec::new()))
                .await
                .expect("join")
                .expect("a second cluster");
        when_we_exit(&format!(
            "{} >/dev/null 2>&1; rm -rf '{}'",
            cluster.stop_command(),
            dir.display()
        ));
        let password =
            std::fs::read_to_string(dir.join("pg-superuser-password")).expect("superuser password");
        let url = format!(
            "postgres://postgres:{}@127.0.0.1:{}/postgres",
            password.trim(),
            cluster.port()
        );
        let options = cluster.admin_options_for("postgres");
        Self {
            cluster: Some(cluster),
            dir,
            url,
            options,
        }
    }
}

impl Drop for SecondCluster {
    fn drop(&mut self) {
        if let Some(cluster) = self.cluster.take() {
            cluster.stop().ok();
        }
        std::fs::remove_dir_all(&self.dir).ok();
    }
}

async fn schema_exists(options: &PgConnectOptions, tenant: &Tenant) -> bool {
    let mut conn = PgConnection::connect_with(options).await.expect("connect");
    let found: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
            .bind(tenant.schema().as_str())
            .fetch_one(&mut conn)
            .await
            .expect("catalog");
    conn.close().await.ok();
    found
}

async fn primary_options(app: &TestApp) -> PgConnectOptions {
    (*app.pool().connect_options()).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_spread_over_the_clusters_and_each_is_served_and_confined_on_its_own() {
    let (app, node, _cluster) = two_clusters().await;
    let primary = primary_options(&app).await;
    let mut tenants = Vec::new();
    for n in 0..4 {
        tenants.push(app.create_tenant("spread", &format!("Club {n}")).await.0);
    }
    let east: Vec<&Arc<Tenant>> = tenants
        .iter()
        .filter(|t| t.node.as_deref() == Some("east"))
        .collect();
    assert_eq!(
        east.len(),
        2,
        "the least loaded server takes each new tenant"
    );
    for tenant in &tenants {
        let on_east = tenant.node.is_some();
        assert_eq!(schema_exists(&node, tenant).await, on_east);
        assert_eq!(schema_exists(&primary, tenant).await, !on_east);
        publish(&app, tenant, &format!("Nouvelles du {}", tenant.name)).await;
    }
    for tenant in &tenants {
        let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains(&format!("Nouvelles du {}", tenant.name)));
        let others = tenants.iter().filter(|o| o.id != tenant.id);
        for other in others {
            assert!(!page.contains(&format!("Nouvelles du {}", other.name)));
        }
    }

    // A node tenant's export reads its schema there.
    let (archive, exported) = app
        .state
        .portability
        .export(&east[0].slug, Vec::new(), &Actor::from("test"))
        .await
        .expect("exported from the node");
    assert!(exported.rows > 0);
    let title = format!("Nouvelles du {}", east[0].name);
    assert!(archive.windows(title.len()).any(|w| w == title.as_bytes()));

    // On the node too, a tenant's transaction reaches its schema only.
    let (mine, theirs) = (east[0], east[1]);
    let mut tx = app.tenant_tx(mine).await;
    let foreign = format!("SELECT count(*) FROM {}.announcements", theirs.schema());
    let refused = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(foreign))
        .fetch_one(tx.conn().await.unwrap())
        .await
        .expect_err("another tenant's schema on the same node");
    assert!(
        refused.to_string().contains("permission denied"),
        "{refused}"
    );
    drop(tx);
    let mut tx = app.tenant_tx(mine).await;
    let refused = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM platform.tenants")
        .fetch_one(tx.conn().await.unwrap())
        .await
        .expect_err("the node's platform tables");
    assert!(
        refused.to_string().contains("permission denied"),
        "{refused}"
    );
    drop(tx);

    // A job enqueued in a node tenant's transaction reaches the primary's
    // queue, for that tenant.
    let mut tx = app.tenant_tx(mine).await;
    enqueue(
        &mut tx,
        NewJob::new("nodes.probe", json!({ "from": "east" })),
    )
    .await
    .expect("enqueued on the node");
    tx.commit().await.expect("commit");
    let mut relayed = None;
    for _ in 0..100 {
        relayed = sqlx::query_scalar::<_, i64>(
            "SELECT tenant_id FROM platform.jobs WHERE kind = 'nodes.probe'",
        )
        .fetch_optional(app.pool())
        .await
        .expect("queue");
        if relayed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(relayed, Some(mine.id.get()));

    // `migrate` on every node: nothing pending, and a deleted node tenant
    // is purged from its node.
    let report = tessera::db::migrate::run_all(&app.state.db, &Default::default())
        .await
        .expect("migrations everywhere");
    assert!(report.nothing_pending);
    let provisioner = &app.state.provisioner;
    provisioner
        .delete(&theirs.slug, Actor::from("test"))
        .await
        .expect("deleted");
    provisioner
        .purge(theirs.id, Actor::from("test"))
        .await
        .expect("purged");
    assert!(!schema_exists(&node, theirs).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_moves_to_the_other_cluster_while_clients_write_and_loses_no_write() {
    let (app, node, _cluster) = two_clusters().await;
    let primary = primary_options(&app).await;
    let (tenant, _) = app.create_tenant("mover", "Club Voyageur").await;
    assert_eq!(tenant.node, None, "the first tenant lands on the primary");
    let host = tenant.default_host.to_string();
    create_account(&app, &tenant, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token, _) = login(&app, &host, "ed@example.org", PASSWORD).await;
    for n in 0..20 {
        publish(&app, &tenant, &format!("Avant {n}")).await;
    }

    // A client writing announcements, a reader reading them, throughout.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (app_addr, host, token, stop) = (app.addr, host.clone(), token.clone(), stop.clone());
        let http = app.http.clone();
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let title = format!("Pendant {n}");
                let reply = http
                    .post(format!("http://{app_addr}/api/v1/announcements"))
                    .header("host", &host)
                    .bearer_auth(&token)
                    .json(&json!({ "title": title, "published_at": chrono::Utc::now() }))
                    .send()
                    .await
                    .expect("response");
                let retry_after = reply.headers().contains_key("retry-after");
                let status = reply.status().as_u16();
                if status == 500 {
                    eprintln!("500: {}", reply.text().await.unwrap_or_default());
                }
                outcomes.push((title, status, retry_after));
                n += 1;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
            outcomes
        })
    };
    let reader = {
        let (app_addr, host, stop) = (app.addr, host.clone(), stop.clone());
        let http = app.http.clone();
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let reply = http
                    .get(format!("http://{app_addr}/"))
                    .header("host", &host)
                    .send()
                    .await
                    .expect("response");
                statuses.push(reply.status().as_u16());
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let portability = app.state.portability.clone();
    let moved = portability
        .move_tenant(&tenant.slug, "east", &Actor::from("test"))
        .await
        .expect("moved");
    tokio::time::sleep(Duration::from_millis(800)).await;
    stop.store(true, Ordering::Relaxed);
    let writes = writer.await.expect("writer");
    let reads = reader.await.expect("reader");

    assert_eq!(
        (moved.from.as_str(), moved.to.as_str()),
        ("primary", "east")
    );
    assert_eq!(moved.left_behind, None);
    // Moves that cannot be are refused, changing nothing.
    for (to, why) in [("east", "already on east"), ("nowhere", "no node nowhere")] {
        let refused = portability
            .move_tenant(&tenant.slug, to, &Actor::from("test"))
            .await
            .expect_err(to);
        assert!(refused.to_string().contains(why), "{refused}");
    }
    let unknown = tessera::tenancy::Slug::parse("nobody-here").expect("slug");
    let actor = Actor::from("test");
    assert!(
        portability
            .move_tenant(&unknown, "east", &actor)
            .await
            .is_err()
    );
    let moved_tenant = registry::find_by_slug(app.pool(), &tenant.slug)
        .await
        .expect("lookup")
        .expect("tenant");
    assert_eq!(moved_tenant.node.as_deref(), Some("east"));
    assert!(!moved_tenant.read_only);
    assert!(schema_exists(&node, &tenant).await);
    assert!(
        !schema_exists(&primary, &tenant).await,
        "the source schema is dropped"
    );

    // Writes were acknowledged, or refused with 503 and Retry-After while
    // the tenant was read-only; never another answer.
    let unexpected: Vec<_> = writes
        .iter()
        .filter(|(_, status, retry)| *status != 201 && !(*status == 503 && *retry))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    let acknowledged: Vec<&String> = writes
        .iter()
        .filter(|(_, status, _)| *status == 201)
        .map(|(title, _, _)| title)
        .collect();
    assert!(
        writes.iter().any(|(_, status, _)| *status == 503),
        "the window was never seen"
    );
    assert!(
        writes.last().is_some_and(|(_, status, _)| *status == 201),
        "writes resumed"
    );
    assert!(reads.iter().all(|status| *status == 200), "{reads:?}");

    // Every acknowledged write is on the new server, with what was before.
    let listed = get(&app, &host, "/api/v1/announcements?limit=100", Some(&token)).await;
    let mut conn = PgConnection::connect_with(&node).await.expect("node");
    let titles: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT title FROM {}.announcements",
        tenant.schema()
    )))
    .fetch_all(&mut conn)
    .await
    .expect("titles on the node");
    conn.close().await.ok();
    for title in acknowledged {
        assert!(
            titles.contains(title),
            "{title} was acknowledged, then lost"
        );
    }
    assert!((0..20).all(|n| titles.contains(&format!("Avant {n}"))));
    assert_eq!(listed.status, 200);

    // New rows continue the old numbering, and the move goes back.
    let made = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Après" }),
        Some(&token),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.json);
    assert!(made.json["id"].as_i64().expect("id") > titles.len() as i64);
    let back = portability
        .move_tenant(&tenant.slug, "primary", &Actor::from("test"))
        .await
        .expect("moved back");
    assert!(
        back.rows > moved.rows,
        "the rows written since came back too"
    );
    assert!(schema_exists(&primary, &tenant).await && !schema_exists(&node, &tenant).await);
    let (status, page) = app.get_text(&host, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Club Voyageur"));
}
