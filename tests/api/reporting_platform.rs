//! Platform reports: each tenant publishes its aggregates (the
//! `reporting.publish` job), and the operators' report sums what was
//! published: the totals equal the sums computed here, independently,
//! from each tenant's own rows. Only operators read it; a published row
//! names nobody.

use std::sync::Arc;

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::Value;
use tessera::auth::Role;
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::Tenant;

use crate::contributions_fixture::{PASSWORD, Pay, pay, person, scalar};
use crate::helpers::api_client;
use crate::helpers::console::signed_in_operator;
use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};
use crate::platform_api::{call, token};

/// Someone with a membership, as a test knows them.
pub struct Holder {
    pub name: String,
    pub email: String,
}

/// A plan named `name` (yearly), its id.
pub async fn plan(app: &TestApp, tenant: &Arc<Tenant>, name: &str) -> i64 {
    let sql = format!("INSERT INTO plans (name, period) VALUES ('{name}', 'yearly') RETURNING id");
    scalar(app, tenant, &sql).await
}

/// A membership of `account` in `plan` from `from` to `to` days from today.
pub async fn membership(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    account: i64,
    plan: i64,
    from: i64,
    to: i64,
) {
    let today = Utc::now().date_naive();
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query(
        "INSERT INTO memberships (account_id, plan_id, payer_id, starts_on, ends_on, amount_minor, currency)
         VALUES ($1, $2, $1, $3, $4, 3000, 'EUR')",
    )
    .bind(account)
    .bind(plan)
    .bind(today + Duration::days(from))
    .bind(today + Duration::days(to))
    .execute(tx.conn().await.expect("conn"))
    .await
    .expect("membership");
    tx.commit().await.expect("commit");
}

/// A club's season: `adults` + `youths` licence holders, one member whose
/// membership lapsed, and two payments today (one partly refunded).
/// Returns the current licence holders.
pub async fn season(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    adults: usize,
    youths: usize,
) -> Vec<Holder> {
    let adult = plan(app, tenant, "Adult").await;
    let youth = plan(app, tenant, "Youth").await;
    let mut holders = Vec::new();
    for n in 0..adults + youths {
        let name = format!("Licencié{n} {}", tenant.slug);
        let email = format!("holder{n}@{}.test", tenant.slug);
        let id = person(app, tenant, &email, &name, Role::Member, false).await;
        let plan = if n < adults { adult } else { youth };
        membership(app, tenant, id, plan, -30, 300).await;
        holders.push(Holder { name, email });
    }
    let gone = person(
        app,
        tenant,
        &format!("gone@{}.test", tenant.slug),
        "Gone Member",
        Role::Member,
        false,
    )
    .await;
    membership(app, tenant, gone, adult, -400, -40).await;
    pay(
        app,
        tenant,
        Pay {
            payer: gone,
            minor: 5000,
            ..Default::default()
        },
    )
    .await;
    pay(
        app,
        tenant,
        Pay {
            payer: gone,
            minor: 2500,
            refunded: 500,
            ..Default::default()
        },
    )
    .await;
    holders
}

/// Runs every due job.
async fn drain(app: &TestApp) {
    let worker = tessera::app::job_worker(&app.state);
    while !worker.run_once().await.expect("jobs run").is_empty() {}
}

/// What the report must say, from the tenant's own rows.
async fn own_licences(app: &TestApp, tenant: &Arc<Tenant>) -> i64 {
    scalar(
        app,
        tenant,
        "SELECT count(DISTINCT account_id) FROM memberships
         WHERE cancelled_at IS NULL AND starts_on <= current_date
           AND (ends_on IS NULL OR ends_on >= current_date)",
    )
    .await
}

async fn own_collected(app: &TestApp, tenant: &Arc<Tenant>) -> i64 {
    scalar(
        app,
        tenant,
        "SELECT coalesce(sum(amount_minor - refunded_minor), 0)::bigint FROM payments
         WHERE status IN ('paid', 'refunded') AND date_trunc('month', received_on) = date_trunc('month', current_date)",
    )
    .await
}

#[tokio::test]
async fn platform_totals_are_the_sums_of_what_tenants_published() {
    let mut config = test_config();
    config.jobs.workers = 0;
    let app = spawn_app_with(migrated_database().await, config).await;
    let (a, _) = app.create_tenant("rep-a", "Club A").await;
    let (b, _) = app.create_tenant("rep-b", "Club B").await;
    let holders = season(&app, &a, 2, 1).await;
    season(&app, &b, 1, 0).await;
    let operator = token(&app, OperatorRole::Support).await;

    // Nothing published yet: the report knows nobody.
    let (status, report) = call(
        &app,
        &operator,
        Method::GET,
        "/api/v1/platform/reports",
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["licences"], 0, "{report}");

    for tenant in [&a, &b] {
        tessera::reporting::operators::publish::enqueue(app.pool(), tenant.id)
            .await
            .expect("enqueue");
    }
    drain(&app).await;

    let (status, report) = call(
        &app,
        &operator,
        Method::GET,
        "/api/v1/platform/reports",
        None,
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let licences = own_licences(&app, &a).await + own_licences(&app, &b).await;
    assert_eq!(licences, 4);
    assert_eq!(report["licences"], licences, "{report}");
    assert_eq!(report["members"], 6, "{report}");
    assert_eq!(report["lapsed"], 2, "{report}");
    assert_eq!(report["publishing_tenants"], 2, "{report}");
    let month = Utc::now().format("%Y-%m").to_string();
    let collected = own_collected(&app, &a).await + own_collected(&app, &b).await;
    assert_eq!(collected, 2 * 7000);
    let line = report["collected_per_month"]
        .as_array()
        .expect("months")
        .iter()
        .find(|m| m["key"] == month.as_str() && m["currency"] == "EUR")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(line["minor"], collected, "{report}");
    assert_eq!(
        report["largest_by_licences"][0]["key"],
        a.slug.as_str(),
        "{report}"
    );
    assert_eq!(report["largest_by_licences"][0]["count"], 3, "{report}");
    let statuses = report["tenants_by_status"].to_string();
    assert!(statuses.contains("\"active\""), "{report}");
    assert!(
        report["migrations"]["latest"].as_i64().unwrap_or(0) > 0,
        "{report}"
    );

    // The published rows hold counts, never a person.
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT row_to_json(f)::text FROM platform.published_figures f")
            .fetch_all(app.pool())
            .await
            .expect("rows");
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(
            !row.contains(&holders[0].name) && !row.contains(&holders[0].email),
            "{row}"
        );
        assert!(!row.contains("Gone Member"), "{row}");
    }

    // The same per tenant, as CSV, and on the console's page.
    let csv = app
        .http
        .get(format!(
            "http://{}/api/v1/platform/reports/tenants.csv",
            app.addr
        ))
        .header("host", crate::helpers::console::HOST_NAME)
        .bearer_auth(&operator)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let body = csv.text().await.expect("body");
    let line = body
        .lines()
        .find(|l| l.starts_with(a.slug.as_str()))
        .expect("club A's line");
    assert!(line.contains(",4,3,"), "members 4, licences 3: {line}");
    assert!(line.contains("EUR:7000"), "{line}");

    let (mut console, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let page = console.get("/console/reports").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("id=\"rep-licences\">{licences}<")),
        "{}",
        page.body
    );
    assert!(page.body.contains(a.slug.as_str()));
}

#[tokio::test]
async fn only_operators_read_the_platform_report() {
    let app = crate::contributions_fixture::app().await;
    let (tenant, _) = app.create_tenant("rep-c", "Club C").await;
    let email = "admin@rep-c.test";
    person(&app, &tenant, email, "Ada Admin", Role::Admin, true).await;
    let (admin_token, _) =
        api_client::login(&app, tenant.default_host.as_str(), email, PASSWORD).await;

    for path in [
        "/api/v1/platform/reports",
        "/api/v1/platform/reports/tenants.csv",
        "/api/v1/platform/federations",
    ] {
        // A tenant admin's token, on the platform host: nothing.
        let (status, body) = call(&app, &admin_token, Method::GET, path, None).await;
        assert_eq!(status, 401, "{path}: {body}");
        // No token at all: nothing.
        let anonymous = app
            .http
            .get(format!("http://{}{path}", app.addr))
            .header("host", crate::helpers::console::HOST_NAME)
            .send()
            .await
            .expect("request");
        assert_eq!(anonymous.status(), 401, "{path}");
    }
    // Not on a tenant's host either.
    let reply = api_client::get(
        &app,
        tenant.default_host.as_str(),
        "/api/v1/platform/reports",
        Some(&admin_token),
    )
    .await;
    assert_eq!(reply.status, 404);
    // A support operator reads, but may not propose a link.
    let support = token(&app, OperatorRole::Support).await;
    let (status, _) = call(
        &app,
        &support,
        Method::GET,
        "/api/v1/platform/reports",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let body = serde_json::json!({ "parent": tenant.slug.as_str(), "child": tenant.slug.as_str() });
    let (status, _) = call(
        &app,
        &support,
        Method::POST,
        "/api/v1/platform/federations",
        Some(body),
    )
    .await;
    assert_eq!(status, 403);
}
