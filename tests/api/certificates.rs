//! Certificates of custom domains for the people who run the platform: the
//! console lists them (failing first) and operators order one now (retry
//! or renew), audited; support operators only read; the platform API does
//! the same for operators' tokens only (a tenant's token opens nothing).
//! Tenants' pages and the command line: `certificates_doors`.
//!
//! Rows are written directly: no ACME server is needed to read them.

use reqwest::Method;
use serde_json::{Value, json};
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::audit::Actor;

use crate::api_auth::admin_token;
use crate::domains::unique_host;
use crate::helpers::api_client::{self, get};
use crate::helpers::console::{Console, HOST_NAME, between, signed_in_operator};
use crate::helpers::{TestApp, spawn_isolated_app};
use crate::platform_api::{call, token};

pub const ERROR: &str = "<b>acme</b>: DNS problem: NXDOMAIN looking up A";

/// A certificate row as the issuer leaves it: `valid` (a chain nobody
/// serves here: these apps have no HTTPS listener), `failed` or `pending`.
pub async fn insert(app: &TestApp, host: &str, status: &str, failures: i32, error: Option<&str>) {
    let valid = status == "valid";
    sqlx::query(
        "INSERT INTO platform.certificates
           (hostname, status, chain_pem, key_sealed, not_before, not_after, issuer, renew_at,
            issued_at, failures, last_error, last_attempt_at, next_attempt_at)
         SELECT $1, $2, c, k, nb, na, i, ra, nb, $3, $4, now() - interval '5 minutes',
                now() + interval '1 hour'
         FROM (SELECT CASE WHEN $5 THEN 'not a real chain' END AS c,
                      CASE WHEN $5 THEN '\\x00'::bytea END AS k,
                      CASE WHEN $5 THEN now() - interval '10 days' END AS nb,
                      CASE WHEN $5 THEN timestamptz '2031-03-14 12:00+00' END AS na,
                      CASE WHEN $5 THEN 'Test CA' END AS i,
                      CASE WHEN $5 THEN now() + interval '50 days' END AS ra) v",
    )
    .bind(host)
    .bind(status)
    .bind(failures)
    .bind(error)
    .bind(valid)
    .execute(app.pool())
    .await
    .unwrap();
}

/// `(failures, due now, renewal due now)`.
pub async fn state(app: &TestApp, host: &str) -> (i32, bool, Option<bool>) {
    sqlx::query_as(
        "SELECT failures, next_attempt_at <= now(), renew_at <= now()
         FROM platform.certificates WHERE hostname = $1",
    )
    .bind(host)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

/// The `certificate.renew` entries of `host`: `(via, tenant, operator?, details)`.
pub async fn audited(app: &TestApp, host: &str) -> Vec<(String, Option<i64>, bool, Value)> {
    sqlx::query_as(
        "SELECT via, tenant_id, operator_id IS NOT NULL, details FROM platform.audit_log
         WHERE action = 'certificate.renew' AND details->>'host' = $1 ORDER BY id",
    )
    .bind(host)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// A domain the operators vouched for: verified, `tenant`'s own.
pub async fn vouched(app: &TestApp, tenant: tessera::model::TenantId, label: &str) -> String {
    let host = unique_host(label);
    let actor = Actor::from("test");
    app.state
        .domains
        .vouch(tenant, &host, &actor)
        .await
        .unwrap();
    host
}

#[tokio::test]
async fn the_console_lists_certificates_and_operators_order_them_now() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("certs", "Club Certs").await;
    let (other, _) = app.create_tenant("certs-o", "Other Club").await;
    let failing = vouched(&app, tenant.id, "failing").await;
    let valid = vouched(&app, tenant.id, "valid").await;
    let foreign = vouched(&app, other.id, "foreign").await;
    insert(&app, &failing, "failed", 4, Some(ERROR)).await;
    insert(&app, &valid, "valid", 0, None).await;
    insert(&app, &foreign, "pending", 0, None).await;

    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let page = support.get("/console/certificates").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("href=\"/console/certificates\""), "nav");
    let table = between(&page.body, "id=\"certificates\">", "</table>");
    assert!(
        table.find(&failing) < table.find(&valid),
        "failing ones first"
    );
    let row = between(&page.body, &format!("id=\"cert-{failing}\">"), "</tr>");
    assert!(
        row.contains("failed") && row.contains("<td>4</td>"),
        "{row}"
    );
    assert!(
        row.contains("&lt;b&gt;acme&lt;"),
        "errors are escaped: {row}"
    );
    let row = between(&page.body, &format!("id=\"cert-{valid}\">"), "</tr>");
    assert!(row.contains("valid until") && row.contains("2031"), "{row}");
    assert!(row.contains("Test CA"), "{row}");
    assert!(page.body.contains(&format!("id=\"cert-{foreign}\"")));
    assert!(!page.body.contains("/renew"), "support gets no button");
    let refused = support
        .post(&format!("/console/certificates/{failing}/renew"), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(state(&app, &failing).await, (4, false, None));

    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let page = operator.get("/console/certificates").await;
    let row = between(&page.body, &format!("id=\"cert-{failing}\">"), "</tr>");
    assert!(row.contains(&format!("/console/certificates/{failing}/renew")));
    assert!(row.contains("Retry now"), "{row}");
    let row = between(&page.body, &format!("id=\"cert-{valid}\">"), "</tr>");
    assert!(row.contains("Renew now"), "{row}");
    let done = operator
        .post(&format!("/console/certificates/{failing}/renew"), &[])
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/console/certificates"));
    assert!(
        done.set_cookies
            .iter()
            .any(|c| c.contains("certs-flash-scheduled"))
    );
    assert_eq!(state(&app, &failing).await, (0, true, Some(true)));
    let entries = audited(&app, &failing).await;
    let details = json!({ "host": failing, "status": "failed", "failures": 4 });
    assert_eq!(
        entries,
        [("console".to_owned(), Some(tenant.id.get()), true, details)]
    );

    // A name without a certificate: a message, and nothing written.
    let unknown = operator
        .post("/console/certificates/nobody.example.org/renew", &[])
        .await;
    assert_eq!(unknown.status, 303);
    assert!(
        unknown
            .set_cookies
            .iter()
            .any(|c| c.contains("certs-flash-unknown"))
    );
    assert!(audited(&app, "nobody.example.org").await.is_empty());

    // The tenant's page: each domain's certificate and the same button.
    let path = format!("/console/tenants/{}", tenant.slug);
    let page = operator.get(&path).await;
    let cell = between(&page.body, &format!("id=\"cert-{failing}\">"), "</td>");
    assert!(cell.contains("NXDOMAIN"), "{cell}");
    let cell = between(&page.body, &format!("id=\"cert-{valid}\">"), "</td>");
    assert!(
        cell.contains("valid until") && cell.contains("2031"),
        "{cell}"
    );
    let renew = format!("{path}/domains/{valid}/renew");
    assert!(page.body.contains(&renew));
    let done = operator.post(&renew, &[]).await;
    assert_eq!(done.status, 303);
    assert_eq!(done.location.as_deref(), Some(path.as_str()));
    assert_eq!(state(&app, &valid).await, (0, true, Some(true)));
    assert_eq!(audited(&app, &valid).await.len(), 1);
    let elsewhere = operator
        .post(&format!("{path}/domains/{foreign}/renew"), &[])
        .await;
    assert_eq!(elsewhere.status, 404, "another tenant's domain");
    assert!(audited(&app, &foreign).await.is_empty());

    let mut anonymous = Console::new(&app).await;
    let page = anonymous.get("/console/certificates").await;
    assert_eq!(page.status, 303);
    assert!(page.location.unwrap_or_default().starts_with("/login"));
}

#[tokio::test]
async fn the_platform_api_lists_and_renews_certificates_for_operators_only() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("certs-api", "Club API").await;
    let failing = vouched(&app, tenant.id, "api-failing").await;
    insert(&app, &failing, "failed", 3, Some(ERROR)).await;
    let writer = token(&app, OperatorRole::Operator).await;
    let reader = token(&app, OperatorRole::Support).await;
    let list = "/api/v1/platform/certificates";
    let renew = format!("{list}/{failing}/renew");

    let (status, listed) = call(&app, &reader, Method::GET, list, None).await;
    assert_eq!(status, 200, "{listed}");
    let first = &listed[0];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(
        (&first["hostname"], &first["status"], &first["failures"]),
        (&json!(failing), &json!("failed"), &json!(3))
    );
    assert_eq!(first["last_error"], ERROR);
    assert!(first.get("chain_pem").is_none() && first.get("key_sealed").is_none());

    let (status, problem) = call(&app, &reader, Method::POST, &renew, None).await;
    assert_eq!(
        (status, &problem["status"]),
        (403, &json!(403)),
        "{problem}"
    );
    assert_eq!(state(&app, &failing).await.0, 3);

    let (status, renewed) = call(&app, &writer, Method::POST, &renew, None).await;
    assert_eq!(status, 202, "{renewed}");
    assert_eq!(
        (&renewed["hostname"], &renewed["failures"]),
        (&json!(failing), &json!(0))
    );
    assert_eq!(state(&app, &failing).await, (0, true, Some(true)));
    let entries = audited(&app, &failing).await;
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].0.as_str(), entries[0].2), ("api", true));

    for name in ["nobody.example.org", "not%20a%20name"] {
        let url = format!("http://{}{list}/{name}/renew", app.addr);
        let reply = api_client::send(&app, app.http.post(url), HOST_NAME, Some(&writer)).await;
        assert_eq!(reply.status, 404, "{name}: {reply:?}");
        assert!(
            reply.is_problem() && reply.code() == "not-found",
            "{reply:?}"
        );
    }
    assert_eq!(
        audited(&app, &failing).await.len(),
        1,
        "nothing more written"
    );

    // Tenant credentials open nothing, on the platform host or their own.
    let (_, admin) = admin_token(&app, &tenant, "admin@certs-api.example").await;
    assert_eq!(call(&app, &admin, Method::GET, list, None).await.0, 401);
    assert_eq!(call(&app, &admin, Method::POST, &renew, None).await.0, 401);
    let own = tenant.default_host.to_string();
    let reply = get(&app, &own, list, Some(&admin)).await;
    assert!(matches!(reply.status, 401 | 403 | 404), "{reply:?}");
    let url = format!("http://{}{renew}", app.addr);
    let reply = api_client::send(&app, app.http.post(url), &own, Some(&admin)).await;
    assert!(matches!(reply.status, 401 | 403 | 404 | 405), "{reply:?}");
    assert_eq!(audited(&app, &failing).await.len(), 1);

    let (status, doc) = call(
        &app,
        &reader,
        Method::GET,
        "/api/v1/platform/openapi.json",
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(doc["paths"][list]["get"].is_object(), "documented");
    assert!(doc["paths"]["/api/v1/platform/certificates/{hostname}/renew"]["post"].is_object());
}
