//! Certificates as operators and tenants see them: the console's
//! Certificates page and a tenant's domains (state, validity, last error,
//! escaped), "retry now" for operators only (failures and back-off
//! forgotten, audited), the platform API (operator tokens only, 404 problem
//! for a name we keep no certificate for), `tessera certs list|renew`, and a
//! tenant's own domains API, which shows its certificate and nobody else's.

use reqwest::Method;
use serde_json::Value;
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::audit::Actor;

use crate::api_auth::admin_token;
use crate::domains::unique_host;
use crate::helpers::api_client::get;
use crate::helpers::console::{between, signed_in_operator};
use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};
use crate::platform_api::{call, token};

/// A tenant with a verified domain whose certificate failed three times.
async fn failing_domain(app: &TestApp, label: &str) -> (String, String, String) {
    let (tenant, _) = app.create_tenant(label, &format!("Club {label}")).await;
    let domain = unique_host(label);
    app.state
        .domains
        .vouch(tenant.id, &domain, &Actor::from("test"))
        .await
        .expect("vouch");
    sqlx::query(
        "INSERT INTO platform.certificates
             (hostname, status, failures, last_error, last_attempt_at, next_attempt_at)
         VALUES ($1, 'failed', 3, '<b>connection refused</b>', now(), now() + interval '1 hour')",
    )
    .bind(&domain)
    .execute(app.pool())
    .await
    .expect("certificate row");
    (
        domain,
        tenant.slug.to_string(),
        tenant.default_host.to_string(),
    )
}

async fn state(app: &TestApp, domain: &str) -> (i32, bool) {
    sqlx::query_as(
        "SELECT failures, next_attempt_at <= now() FROM platform.certificates WHERE hostname = $1",
    )
    .bind(domain)
    .fetch_one(app.pool())
    .await
    .expect("row")
}

async fn renewals(app: &TestApp, via: &str) -> Vec<Value> {
    sqlx::query_scalar(
        "SELECT details FROM platform.audit_log WHERE action = 'certificate.renew' AND via = $1
         ORDER BY id",
    )
    .bind(via)
    .fetch_all(app.pool())
    .await
    .expect("audit")
}

async fn app() -> (TestApp, sqlx::postgres::PgConnectOptions) {
    let database = migrated_database().await;
    (
        spawn_app_with(database.clone(), test_config()).await,
        database,
    )
}

#[tokio::test]
async fn the_console_shows_certificates_and_operators_retry_them() {
    let (app, _) = app().await;
    let (domain, slug, _) = failing_domain(&app, "console-cert").await;

    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let page = support.get("/console/certificates").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = between(&page.body, &format!("id=\"cert-{domain}\">"), "</tr>");
    assert!(
        row.contains("&lt;b&gt;connection refused&lt;/b&gt;"),
        "escaped: {row}"
    );
    assert!(!row.contains("<b>"));
    assert!(!row.contains("/renew"), "support operators get no button");
    let refused = support
        .post(&format!("/console/certificates/{domain}/renew"), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(state(&app, &domain).await, (3, false), "nothing changed");

    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let tenant_page = operator.get(&format!("/console/tenants/{slug}")).await;
    let cell = between(
        &tenant_page.body,
        &format!("id=\"cert-{domain}\">"),
        "</td>",
    );
    assert!(cell.contains("connection refused"), "{cell}");
    let done = operator
        .post(&format!("/console/certificates/{domain}/renew"), &[])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        state(&app, &domain).await,
        (0, true),
        "ordered now, back-off forgotten"
    );
    let audited = renewals(&app, "console").await;
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0]["host"], domain.as_str());
    assert_eq!(audited[0]["failures"], 3);

    let unknown = operator
        .post("/console/certificates/nobody.invented.test/renew", &[])
        .await;
    assert_eq!(unknown.status, 303);
    assert_eq!(
        renewals(&app, "console").await.len(),
        1,
        "nothing for an unknown name"
    );
}

#[tokio::test]
async fn the_platform_api_lists_and_renews_for_operators_only() {
    let (app, _) = app().await;
    let (domain, _, tenant_host) = failing_domain(&app, "api-cert").await;
    let support = token(&app, OperatorRole::Support).await;
    let (status, listed) = call(
        &app,
        &support,
        Method::GET,
        "/api/v1/platform/certificates",
        None,
    )
    .await;
    assert_eq!(status, 200);
    let entry = listed
        .as_array()
        .and_then(|all| all.iter().find(|c| c["hostname"] == domain.as_str()))
        .expect("listed");
    assert_eq!(entry["status"], "failed");
    assert_eq!(entry["failures"], 3);
    assert!(entry.get("key_sealed").is_none() && entry.get("chain_pem").is_none());

    let path = format!("/api/v1/platform/certificates/{domain}/renew");
    let (status, _) = call(&app, &support, Method::POST, &path, None).await;
    assert_eq!(status, 403, "support operators read only");
    let operator = token(&app, OperatorRole::Operator).await;
    let (status, renewed) = call(&app, &operator, Method::POST, &path, None).await;
    assert_eq!(status, 202, "{renewed}");
    assert_eq!(renewed["failures"], 0);
    assert_eq!(renewals(&app, "api").await.len(), 1);
    let (status, problem) = call(
        &app,
        &operator,
        Method::POST,
        "/api/v1/platform/certificates/nobody.invented.test/renew",
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(problem["status"], 404, "a problem body: {problem}");

    // A tenant's administrator token means nothing on the platform API.
    let (tenant, _) = app.create_tenant("api-cert-admin", "Club").await;
    let (_, admin) = admin_token(&app, &tenant, "admin@cert.example").await;
    let (status, _) = call(
        &app,
        &admin,
        Method::GET,
        "/api/v1/platform/certificates",
        None,
    )
    .await;
    assert_eq!(status, 401);
    let _ = tenant_host;
}

#[tokio::test]
async fn a_tenant_sees_its_own_certificate_and_no_other() {
    let (app, _) = app().await;
    let (domain, _, host) = failing_domain(&app, "own-cert").await;
    let tenant = app.state.resolver.resolve(&host).await.expect("tenant");
    let tessera::tenancy::Site::Tenant(tenant) = tenant else {
        panic!("a tenant host");
    };
    let (_, admin) = admin_token(&app, &tenant, "admin@own-cert.example").await;
    let reply = get(&app, &host, "/api/v1/domains", Some(&admin)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let mine = reply
        .json
        .as_array()
        .and_then(|all| all.iter().find(|d| d["hostname"] == domain.as_str()))
        .expect("its domain");
    assert_eq!(mine["certificate"]["status"], "failed");
    assert_eq!(
        mine["certificate"]["last_error"],
        "<b>connection refused</b>"
    );

    // Another tenant cannot claim it, nor read anything of it.
    let (other, _) = app.create_tenant("own-cert-other", "Autre club").await;
    let taken = app
        .state
        .domains
        .add(other.id, &domain, &Actor::from("test"))
        .await;
    assert!(taken.is_err(), "one owner per domain");
    let (_, other_admin) = admin_token(&app, &other, "admin@other-cert.example").await;
    let other_host = other.default_host.to_string();
    let reply = get(&app, &other_host, "/api/v1/domains", Some(&other_admin)).await;
    assert_eq!(reply.status, 200);
    assert!(!reply.json.to_string().contains(&domain), "{}", reply.json);
    let path = format!("/api/v1/domains/{domain}");
    let reply = get(&app, &other_host, &path, Some(&other_admin)).await;
    assert_eq!(reply.status, 404, "{reply:?}");
    let reply = get(&app, &host, &path, Some(&other_admin)).await;
    assert_eq!(reply.status, 401, "another tenant's token on this host");
}

#[tokio::test]
async fn the_command_line_lists_and_renews_certificates() {
    let (app, database) = app().await;
    let (domain, _, _) = failing_domain(&app, "cli-cert").await;
    let url = crate::helpers::cluster::database_url(&database);
    let tessera = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", &url)
            .args(args)
            .output()
            .expect("tessera runs")
    };
    let listed = tessera(&["certs", "list", "--json"]);
    assert!(listed.status.success(), "{listed:?}");
    let all: Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert!(
        all.as_array()
            .is_some_and(|a| a.iter().any(|c| c["hostname"] == domain.as_str()))
    );
    let table = String::from_utf8(tessera(&["certs", "list"]).stdout).expect("utf-8");
    assert!(
        table.contains(&domain) && table.contains("connection refused"),
        "{table}"
    );

    let renewed = tessera(&["certs", "renew", &domain]);
    assert!(renewed.status.success(), "{renewed:?}");
    assert_eq!(state(&app, &domain).await, (0, true));
    assert_eq!(renewals(&app, "cli").await.len(), 1);
    let unknown = tessera(&["certs", "renew", "nobody.invented.test"]);
    assert!(!unknown.status.success());
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        message.contains("not a verified custom domain"),
        "{message}"
    );
}
