//! The API against bad input (huge, malformed, incomplete, hostile bodies),
//! its rate limit, sign-up through it, and its OpenAPI document checked by
//! an independent validator.

use std::process::Command;

use reqwest::header::{CONTENT_TYPE, HOST};
use serde_json::json;
use tessera::auth::Role;

use crate::helpers::api_client::{get, post, send};
use crate::helpers::browser::create_account;
use crate::helpers::{TestApp, migrated_database, spawn_app, spawn_app_with, test_config};

async fn count_accounts(app: &TestApp, tenant: &std::sync::Arc<tessera::tenancy::Tenant>) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("count")
}

async fn raw(
    app: &TestApp,
    host: &str,
    path: &str,
    body: Vec<u8>,
) -> crate::helpers::api_client::Reply {
    let request = app
        .http
        .post(format!("http://{}{path}", app.addr))
        .header(CONTENT_TYPE, "application/json")
        .body(body);
    send(app, request, host, None).await
}

#[tokio::test]
async fn bad_bodies_get_problems_and_write_nothing() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("badin", "Bad Input").await;
    let host = tenant.default_host.to_string();
    create_account(
        &app,
        &tenant,
        "known@example.org",
        "correct horse battery",
        Role::Member,
    )
    .await;
    let before = count_accounts(&app, &tenant).await;

    let huge = raw(
        &app,
        &host,
        "/api/v1/auth/register",
        vec![b' '; 10 * 1024 * 1024],
    )
    .await;
    assert_eq!(huge.status, 413);
    assert!(huge.is_problem(), "{huge:?}");
    let malformed = raw(
        &app,
        &host,
        "/api/v1/auth/register",
        b"{\"email\": ".to_vec(),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.is_problem());
    let missing = post(
        &app,
        &host,
        "/api/v1/auth/register",
        &json!({ "email": "x@example.org" }),
        None,
    )
    .await;
    assert_eq!(missing.status, 422);
    assert!(missing.is_problem());
    let hostile = [
        json!({ "email": "not-an-email", "password": "a long enough password", "display_name": "X" }),
        json!({ "email": "x@example.org' OR '1'='1; DROP TABLE accounts; --", "password": "a long enough password", "display_name": "X" }),
        json!({ "email": "ok@example.org", "password": "short", "display_name": "X" }),
        json!({ "email": "ok@example.org", "password": "a long enough password", "display_name": "\u{0}\u{7}" }),
        json!({ "email": "ok@example.org", "password": "a long enough password", "display_name": "X", "locale": "de" }),
        json!({ "email": "ünï@exämple.org", "password": "a long enough password", "display_name": "\u{202e}\u{0}" }),
    ];
    for body in hostile {
        let reply = post(&app, &host, "/api/v1/auth/register", &body, None).await;
        assert!((400..500).contains(&reply.status), "{body} → {reply:?}");
        assert!(reply.is_problem());
    }
    for email in ["' OR 1=1 --", "ünïcødé@例え.jp", "%00@x", &"a".repeat(5000)] {
        let reply = post(
            &app,
            &host,
            "/api/v1/auth/login",
            &json!({ "email": email, "password": "x" }),
            None,
        )
        .await;
        assert_eq!(reply.status, 401, "{email}: {reply:?}");
    }
    let wrong_type = post(
        &app,
        &host,
        "/api/v1/auth/login",
        &json!({ "email": 5, "password": [] }),
        None,
    )
    .await;
    assert_eq!(wrong_type.status, 422);
    assert_eq!(
        count_accounts(&app, &tenant).await,
        before,
        "a refused body wrote an account"
    );
}

#[tokio::test]
async fn sign_up_creates_an_unverified_account_and_answers_alike_for_a_known_address() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("signup", "Sign Up").await;
    let host = tenant.default_host.to_string();
    let body = json!({ "email": "New@Example.org", "password": "a long enough password", "display_name": "Né O'Brien" });
    let first = post(&app, &host, "/api/v1/auth/register", &body, None).await;
    assert_eq!(first.status, 202, "{first:?}");
    let again = post(&app, &host, "/api/v1/auth/register", &body, None).await;
    assert_eq!((again.status, &again.json), (first.status, &first.json));
    assert_eq!(count_accounts(&app, &tenant).await, 1);
    // Unverified: the password is right but no token yet.
    let login = post(
        &app,
        &host,
        "/api/v1/auth/login",
        &json!({ "email": "new@example.org", "password": "a long enough password" }),
        None,
    )
    .await;
    assert_eq!(login.status, 403);
    let mut tx = app.tenant_tx(&tenant).await;
    let links: i64 =
        sqlx::query_scalar("SELECT count(*) FROM account_tokens WHERE purpose = 'verify'")
            .fetch_one(tx.conn().await.expect("conn"))
            .await
            .expect("count");
    assert_eq!(links, 1);
    tessera::accounts::store::set_signup_policy(
        &mut tx,
        tessera::accounts::SignupPolicy::Invitation,
    )
    .await
    .expect("policy");
    tx.commit().await.expect("commit");
    let body = json!({ "email": "late@example.org", "password": "a long enough password", "display_name": "L" });
    assert_eq!(
        post(&app, &host, "/api/v1/auth/register", &body, None)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn the_api_is_rate_limited_per_client_with_retry_after() {
    let mut config = test_config();
    config.api.rate_per_second = 1;
    config.api.rate_burst = 3;
    let app = spawn_app_with(migrated_database().await, config).await;
    let (tenant, _) = app.create_tenant("rate", "Rate").await;
    let host = tenant.default_host.to_string();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(get(&app, &host, "/api/v1/auth/user", None).await);
    }
    assert_eq!(statuses[0].status, 401);
    let limited = statuses.last().expect("reply");
    assert_eq!(limited.status, 429, "{statuses:?}");
    assert!(limited.is_problem());
    let retry: u64 = limited.headers["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=2).contains(&retry));
    // Pages are not the API's business.
    assert_ne!(app.get(&host, "/").await.status().as_u16(), 429);
}

/// openapi-spec-validator, from PyPI.
fn validator() -> std::path::PathBuf {
    crate::helpers::venv::tool(
        "openapi-venv",
        &["openapi-spec-validator==0.7.2"],
        "openapi-spec-validator",
    )
}

#[tokio::test]
async fn the_openapi_document_is_valid_openapi_3_1_and_lists_every_endpoint() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("oas", "OpenAPI").await;
    let host = tenant.default_host.to_string();
    let response = app
        .http
        .get(format!("http://{}/api/v1/openapi.json", app.addr))
        .header(HOST, &host)
        .send()
        .await
        .expect("openapi");
    assert_eq!(response.status().as_u16(), 200);
    let doc: serde_json::Value = response.json().await.expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/auth/register",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/user",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/api-keys",
        "/api/v1/oauth/token",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let flow = &schemes["oauth2"]["flows"]["authorizationCode"];
    assert_eq!(
        flow["authorizationUrl"],
        format!("http://{host}/oauth/authorize")
    );

    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("openapi-{}.json", std::process::id()));
    std::fs::write(&file, doc.to_string()).expect("write");
    let checked = Command::new(validator())
        .arg(&file)
        .output()
        .expect("validator runs");
    assert!(
        checked.status.success(),
        "invalid OpenAPI: {}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[tokio::test]
async fn ids_and_query_strings_that_do_not_parse_get_a_problem_or_a_page() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("badids", "Bad ids").await;
    let host = tenant.default_host.to_string();
    let (id, token) = crate::api_auth::admin_token(&app, &tenant, "ids@example.org").await;
    for path in [
        "/api/v1/users/abc",
        "/api/v1/users/99999999999999999999",
        "/api/v1/users/1%27",
    ] {
        let reply = get(&app, &host, path, Some(&token)).await;
        assert_eq!(reply.status, 404, "{path}");
        assert_eq!(reply.content_type, "application/problem+json", "{path}");
    }
    let mut admin =
        crate::helpers::browser::Browser::signed_in_as(&app, &tenant, id, Role::Admin).await;
    let page = admin.get("/staff/members/abc").await;
    assert_eq!(page.status, 404);
    assert!(page.content_type.starts_with("text/html"), "a themed page");
    let page = admin.get("/staff/members/?page=%ZZ&per=-1").await;
    assert!(page.status < 500, "{}", page.status);
}
