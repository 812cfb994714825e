//! The console's operations pages: the job queue (counts, the list without
//! payloads, errors escaped, the retry of a dead job, audited) and the
//! migration registry (versions, a quarantined tenant, its retry, audited);
//! support operators read both and change nothing; nobody else sees them.

use std::time::Duration;

use serde_json::json;
use tessera::jobs::{self, NewJob, queue};
use tessera::platform::operators::OperatorRole;

use crate::helpers::console::{Console, between, signed_in_operator};
use crate::helpers::{TestApp, spawn_isolated_app};

/// No worker knows this kind: its jobs move only when the test moves them.
const KIND: &str = "test.console-ops";

/// A job of [`KIND`] that ran once and failed: dead (`retry_in: None`) or
/// waiting for its next attempt.
async fn failed_job(app: &TestApp, tenant: Option<i64>, error: &str, retry_in: Option<u64>) -> i64 {
    let tenant = tenant.map(tessera::model::TenantId::new);
    let payload = json!({ "to": "alice@example.org" });
    let id = jobs::enqueue_platform(app.pool(), tenant, NewJob::new(KIND, payload))
        .await
        .unwrap();
    let kinds = [KIND.to_owned()];
    let claimed = queue::claim(app.pool(), 1, Duration::from_secs(3600), 3, &kinds)
        .await
        .unwrap();
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [id]);
    let delay = retry_in.map(Duration::from_secs);
    assert!(
        queue::fail(app.pool(), &claimed[0], error, delay)
            .await
            .unwrap()
    );
    id
}

async fn job_state(app: &TestApp, id: i64) -> (String, i32) {
    sqlx::query_as("SELECT state, attempts FROM platform.jobs WHERE id = $1")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn console_actions(app: &TestApp, action: &str) -> Vec<serde_json::Value> {
    sqlx::query_scalar(
        "SELECT details FROM platform.audit_log
         WHERE action = $1 AND via = 'console' AND operator_id IS NOT NULL ORDER BY id",
    )
    .bind(action)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// The value of the count tile whose label is `label`.
fn tile(body: &str, label: &str) -> String {
    let tiles = between(body, "id=\"job-counts\">", "</ul>");
    let before = &tiles[..tiles.find(label).expect("tile label")];
    let marker = "stat-tiles__value\">";
    let value = &before[before.rfind(marker).expect("tile") + marker.len()..];
    value[..value.find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn the_job_queue_shows_counts_and_dead_jobs_and_operators_retry_them() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("ops-jobs", "Queue").await;
    let dead = failed_job(&app, Some(tenant.id.get()), "<b>boom</b>", None).await;
    let waiting = failed_job(&app, None, &"x".repeat(1000), Some(3600)).await;

    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let page = support.get("/console/jobs").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(tile(&page.body, "dead letters"), "1");
    assert_eq!(tile(&page.body, "failed, to be retried"), "1");
    let row = between(&page.body, &format!("id=\"job-{dead}\">"), "</tr>");
    assert!(
        row.contains(KIND) && row.contains(tenant.slug.as_str()),
        "{row}"
    );
    assert!(row.contains(&format!("href=\"/console/tenants/{}\"", tenant.slug)));
    assert!(
        row.contains("&lt;b&gt;boom&lt;&#x2F;b&gt;") || row.contains("&lt;b&gt;boom&lt;/b&gt;"),
        "{row}"
    );
    assert!(
        !page.body.contains("alice@example.org"),
        "payloads are never shown"
    );
    let long = between(&page.body, &format!("id=\"job-{waiting}\">"), "</tr>");
    assert!(
        long.contains('…') && !long.contains(&"x".repeat(301)),
        "errors are cut"
    );
    assert!(!page.body.contains("/retry"), "support gets no button");
    let refused = support
        .post(&format!("/console/jobs/{dead}/retry"), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(job_state(&app, dead).await.0, "dead");

    // Filters: state, kind, tenant.
    let only_dead = support.get("/console/jobs?state=dead&kind=&tenant=").await;
    assert!(only_dead.body.contains(&format!("id=\"job-{dead}\"")));
    assert!(!only_dead.body.contains(&format!("id=\"job-{waiting}\"")));
    let by_tenant = support
        .get(&format!("/console/jobs?tenant={}", tenant.slug))
        .await;
    assert!(!by_tenant.body.contains(&format!("id=\"job-{waiting}\"")));
    assert_eq!(support.get("/console/jobs?state=nope").await.status, 400);

    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let page = operator.get("/console/jobs").await;
    assert!(page.body.contains(&format!("/console/jobs/{dead}/retry")));
    let done = operator
        .post(&format!("/console/jobs/{dead}/retry"), &[])
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some("/console/jobs"));
    assert_eq!(job_state(&app, dead).await, ("pending".to_owned(), 0));
    assert_eq!(
        console_actions(&app, "job.retry").await,
        [json!({ "job": dead, "kind": KIND })]
    );
    let again = operator
        .post(&format!("/console/jobs/{dead}/retry"), &[])
        .await;
    assert_eq!(again.status, 303, "a pending job is not retried twice");
    assert_eq!(console_actions(&app, "job.retry").await.len(), 1);
    let unknown = operator.post("/console/jobs/999999999/retry", &[]).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn the_migration_registry_shows_a_quarantined_tenant_and_retry_releases_it() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("ops-mig", "Quarantine").await;
    sqlx::query(
        "UPDATE platform.tenant_schemas
         SET status = 'quarantined', last_error = 'migration 9999_x: <i>boom</i>'
         WHERE tenant_id = $1",
    )
    .bind(tenant.id.get())
    .execute(app.pool())
    .await
    .unwrap();
    let slug = tenant.slug.to_string();
    let latest = tessera::db::migrate::MigrationSet::tenant().latest();

    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let page = support.get("/console/migrations").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let versions = between(&page.body, "id=\"tenant-migrations\">", "</table>");
    for migration in tessera::db::migrate::MigrationSet::tenant().iter() {
        assert!(versions.contains(&format!("id=\"version-{}\"", migration.version)));
        assert!(versions.contains(&migration.name));
    }
    let platform = between(&page.body, "id=\"platform-migrations\">", "</table>");
    assert!(platform.contains("tenancy"), "{platform}");
    let row = between(&page.body, &format!("id=\"schema-{slug}\">"), "</tr>");
    assert!(row.contains("quarantined") && row.contains(&format!("{latest} / {latest}")));
    assert!(row.contains("&lt;i&gt;boom"), "{row}");
    assert!(!page.body.contains("/retry"));
    let refused = support
        .post(&format!("/console/migrations/{slug}/retry"), &[])
        .await;
    assert_eq!(refused.status, 403);

    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let page = operator.get("/console/migrations").await;
    assert!(
        page.body
            .contains(&format!("/console/migrations/{slug}/retry"))
    );
    let done = operator
        .post(&format!("/console/migrations/{slug}/retry"), &[])
        .await;
    assert_eq!(done.status, 303);
    let status: String =
        sqlx::query_scalar("SELECT status FROM platform.tenant_schemas WHERE tenant_id = $1")
            .bind(tenant.id.get())
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(status, "ready");
    let page = operator.get("/console/migrations").await;
    assert!(!page.body.contains(&format!("id=\"schema-{slug}\"")));
    assert!(page.body.contains("id=\"no-schema-problems\""));
    let audited = console_actions(&app, "tenant.migration_retry").await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    let missing = operator
        .post("/console/migrations/no-such-tenant/retry", &[])
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn the_operations_pages_need_an_operator() {
    let app = spawn_isolated_app().await;
    let mut anonymous = Console::new(&app).await;
    for path in ["/console/jobs", "/console/migrations"] {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        let to = page.location.unwrap_or_default();
        assert!(to.starts_with("/login"), "{path} → {to}");
    }
    let page = anonymous.post("/console/jobs/1/retry", &[]).await;
    assert_eq!(page.status, 303);
    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    for path in ["/console/jobs", "/console/migrations"] {
        assert_eq!(operator.get(path).await.status, 200, "{path}");
    }
    let dashboard = operator.get("/console").await;
    for link in ["href=\"/console/jobs\"", "href=\"/console/migrations\""] {
        assert!(dashboard.body.contains(link), "{link}");
    }
}
