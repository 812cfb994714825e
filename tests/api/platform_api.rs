//! The white-label API with an operator's token: tenants created (with the
//! administrator's invitation link), refused when taken (nothing created),
//! listed, changed, suspended with a reason and resumed, deleted; the
//! seed's `/whitelabel/sites` names work the same; twenty creations at once
//! all succeed.

use reqwest::header::{AUTHORIZATION, HOST};
use serde_json::{Value, json};
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::audit::Actor;

use crate::helpers::console::{HOST_NAME, create_operator};
use crate::helpers::{TestApp, spawn_app, spawn_isolated_app, unique_slug};

pub async fn token(app: &TestApp, role: OperatorRole) -> String {
    let email = format!("api-{}@platform.example", unique_slug("o"));
    create_operator(app, &email, role).await;
    app.state
        .operators
        .issue_token(&email, "api", None, 30, &Actor::from("test"))
        .await
        .unwrap()
}

pub async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .http
        .request(method, format!("http://{}{path}", app.addr))
        .header(HOST, HOST_NAME)
        .header(AUTHORIZATION, format!("Bearer {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

async fn tenant_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM platform.tenants")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn tenants_are_created_refused_changed_suspended_and_deleted() {
    let app = spawn_isolated_app().await;
    let token = token(&app, OperatorRole::Operator).await;
    let slug = unique_slug("wl").to_string();
    let body = json!({"slug": slug, "name": "Amicale des pêcheurs", "admin_email": "presidente@peche.example"});
    let (status, created) = call(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/platform/tenants",
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let link = created["admin_invitation_link"]
        .as_str()
        .unwrap_or_default();
    assert!(link.contains("/accounts/invitation/"), "{created}");
    let host = created["default_host"].as_str().unwrap().to_owned();
    assert_eq!(app.get_text(&host, "/").await.0, 200, "live at once");

    // Taken slug, bad field: a problem, and nothing created.
    let before = tenant_count(&app).await;
    let (status, problem) = call(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/whitelabel/sites",
        Some(body),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["status"], 409);
    let bad = json!({"slug": "x", "name": "Trop court"});
    let (status, _) = call(
        &app,
        &token,
        reqwest::Method::POST,
        "/api/v1/platform/tenants",
        Some(bad),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(tenant_count(&app).await, before);

    let path = format!("/api/v1/whitelabel/sites/{slug}");
    let (status, shown) = call(&app, &token, reqwest::Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["name"], "Amicale des pêcheurs");
    let (status, changed) = call(
        &app,
        &token,
        reqwest::Method::PATCH,
        &path,
        Some(json!({"name": "Amicale de pêche"})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Amicale de pêche");

    let suspend = format!("/api/v1/platform/tenants/{slug}/suspend");
    let (status, _) = call(
        &app,
        &token,
        reqwest::Method::POST,
        &suspend,
        Some(json!({"reason": "Demande du bureau"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, page) = app.get_text(&host, "/").await;
    assert_eq!(status, 503);
    assert!(page.contains("Demande du bureau"));
    let resume = format!("/api/v1/platform/tenants/{slug}/resume");
    assert_eq!(
        call(&app, &token, reqwest::Method::POST, &resume, None)
            .await
            .0,
        200
    );
    assert_eq!(app.get_text(&host, "/").await.0, 200);

    let (status, list) = call(
        &app,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/platform/tenants?q={slug}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(
        list["items"][0]["members"], 0,
        "the invited admin is not active yet"
    );

    // Support tokens read and never write.
    let support = token_for_support(&app).await;
    assert_eq!(
        call(&app, &support, reqwest::Method::GET, &path, None)
            .await
            .0,
        200
    );
    assert_eq!(
        call(&app, &support, reqwest::Method::DELETE, &path, None)
            .await
            .0,
        403
    );

    assert_eq!(
        call(&app, &token, reqwest::Method::DELETE, &path, None)
            .await
            .0,
        204
    );
    // Deleted, not yet purged: the host is still reserved and answers 410.
    assert_eq!(app.get_text(&host, "/").await.0, 410);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform.audit_log WHERE via = 'api' AND operator_id IS NOT NULL
           AND action IN ('tenant.create', 'tenant.update', 'tenant.suspended', 'tenant.active', 'tenant.delete')",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(audited, 5, "each write, with its operator");
}

async fn token_for_support(app: &TestApp) -> String {
    token(app, OperatorRole::Support).await
}

#[tokio::test]
async fn twenty_concurrent_creations_all_succeed() {
    let app = spawn_app().await;
    let token = token(&app, OperatorRole::Operator).await;
    let slugs: Vec<String> = (0..20)
        .map(|i| unique_slug(&format!("c{i}")).to_string())
        .collect();
    let creations = slugs.iter().enumerate().map(|(i, slug)| {
        let path = if i % 2 == 0 {
            "/api/v1/platform/tenants"
        } else {
            "/api/v1/whitelabel/sites"
        };
        let body = json!({"slug": slug, "name": format!("Association {i}")});
        call(&app, &token, reqwest::Method::POST, path, Some(body))
    });
    let results = futures::future::join_all(creations).await;
    for (status, body) in &results {
        assert_eq!(*status, 201, "{body}");
    }
    let schemas: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT s.schema_name) FROM platform.tenant_schemas s
         JOIN platform.tenants t ON t.id = s.tenant_id
         WHERE t.slug = ANY($1) AND s.status = 'ready'",
    )
    .bind(&slugs)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(schemas, 20);
    for (_, body) in &results {
        let host = body["default_host"].as_str().unwrap();
        assert_eq!(app.get_text(host, "/").await.0, 200, "{host}");
    }
}
