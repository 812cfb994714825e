//! Operators and the platform host: the second factor is required, codes
//! work once, and credentials never cross between the console and a
//! tenant's portal, in either direction. Knowing the platform host opens
//! nothing but the sign-in page.

use reqwest::header::{AUTHORIZATION, COOKIE, HOST};
use tessera::auth::Role;
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::audit::Actor;

use crate::account_flow::code;
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::console::{
    Console, HOST_NAME, PASSWORD, SESSION, between, create_operator, signed_in_operator,
};
use crate::helpers::spawn_app;

#[tokio::test]
async fn sign_in_needs_the_second_factor_and_codes_work_once() {
    let app = spawn_app().await;
    let email = "claire@platform.example";
    create_operator(&app, email, OperatorRole::Operator).await;
    let mut console = Console::new(&app).await;
    let wrong = console
        .post(
            "/login",
            &[("email", email), ("password", "not the password")],
        )
        .await;
    assert_eq!(wrong.status, 401);
    let page = console
        .post("/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 303);
    assert!(
        page.location
            .unwrap_or_default()
            .starts_with("/login/enrol")
    );
    // The password alone opens nothing but enrolment.
    let console_page = console.get("/console").await;
    assert_eq!(console_page.status, 303);
    assert_eq!(console_page.location.as_deref(), Some("/login/enrol"));
    let before = console.session().cloned();
    let page = console.get("/login/enrol").await;
    let secret = between(&page.body, "id=\"totp-secret\">", "</code>").to_owned();
    assert_eq!(
        console
            .post("/login/enrol", &[("code", "000000")])
            .await
            .status,
        422
    );
    let page = console
        .post("/login/enrol", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(page.status, 200);
    let codes: Vec<String> = page
        .body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split("</code>").next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_ne!(console.session(), before.as_ref(), "a new session id");
    assert_eq!(console.get("/console").await.status, 200);

    // Signed out; the next sign-in asks for a code, a recovery code works once.
    assert_eq!(console.post("/logout", &[]).await.status, 303);
    assert_eq!(console.get("/console").await.status, 303);
    let mut again = Console::new(&app).await;
    let page = again
        .post("/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert!(page.location.unwrap_or_default().starts_with("/login/2fa"));
    assert_eq!(
        again.post("/login/2fa", &[("code", "123456")]).await.status,
        401
    );
    let page = again.post("/login/2fa", &[("code", &codes[0])]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(again.get("/console").await.status, 200);
    let mut third = Console::new(&app).await;
    third
        .post("/login", &[("email", email), ("password", PASSWORD)])
        .await;
    let reused = third.post("/login/2fa", &[("code", &codes[0])]).await;
    assert_eq!(reused.status, 401, "a recovery code works once");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform.audit_log
         WHERE action IN ('operator.login', 'operator.login_failed', 'operator.code_failed')",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert!(audited >= 4, "sign-ins and failures are audited: {audited}");
}

/// Every console and API route, and unknown paths, without credentials:
/// the sign-in page or 401, never content.
#[tokio::test]
async fn the_platform_host_without_credentials_shows_only_the_sign_in() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("op-anon", "Club anonyme").await;
    for path in [
        "/",
        "/console",
        "/console/tenants",
        "/console/tenants/new",
        &format!("/console/tenants/{}", tenant.slug),
        "/outbox",
        "/no-such-page",
        "/accounts/login/",
    ] {
        let response = app.get(HOST_NAME, path).await;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.text().await.unwrap_or_default();
        assert!(
            status == 303 && location.starts_with("/login"),
            "{path}: {status} {location}"
        );
        assert!(!body.contains(&tenant.name), "{path} leaks");
    }
    for path in [
        "/api/v1/platform/tenants",
        "/api/v1/whitelabel/sites",
        "/api/v1/platform/stats",
    ] {
        assert_eq!(app.get(HOST_NAME, path).await.status(), 401, "{path}");
    }
    let login = app.get(HOST_NAME, "/login").await;
    assert_eq!(login.status(), 200);
    let doc = app.get(HOST_NAME, "/api/v1/platform/openapi.json").await;
    assert_eq!(doc.status(), 200, "the API's description is public");
    let doc: serde_json::Value = doc.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/whitelabel/sites"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/platform/tenants/{slug}/suspend"]["post"].is_object());
}

#[tokio::test]
async fn operator_credentials_mean_nothing_on_tenant_hosts() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("op-cross", "Club croisé").await;
    let (console, _, email) = signed_in_operator(&app, OperatorRole::Operator).await;
    let cookie = console.session().cloned().unwrap();
    let token = app
        .state
        .operators
        .issue_token(&email, "cross", None, 30, &Actor::from("test"))
        .await
        .unwrap();
    let host = tenant.default_host.as_str();
    for name in [SESSION, "__Host-session", "session"] {
        let response = app
            .http
            .get(format!("http://{}/accounts/profile/", app.addr))
            .header(HOST, host)
            .header(COOKIE, format!("{name}={cookie}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{name} is not a portal session");
    }
    let response = app
        .http
        .get(format!("http://{}/api/v1/users", app.addr))
        .header(HOST, host)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // The same token does open the platform API.
    let response = app
        .http
        .get(format!("http://{}/api/v1/platform/whoami", app.addr))
        .header(HOST, HOST_NAME)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn tenant_credentials_mean_nothing_on_the_platform_host() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("op-admin", "Club des admins").await;
    let email = "admin@club.example";
    let password = "un mot de passe assez long";
    let id = create_account(&app, &tenant, email, password, Role::Admin).await;
    let browser = Browser::signed_in_as(&app, &tenant, id, Role::Admin).await;
    let session = browser.session().cloned().unwrap();
    for name in [SESSION, "__Host-session"] {
        let response = app
            .http
            .get(format!("http://{}/console", app.addr))
            .header(HOST, HOST_NAME)
            .header(COOKIE, format!("{name}={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{name}");
    }
    // The admin's API key, and a made-up tso_ token, are refused.
    let mut tx = app.tenant_tx(&tenant).await;
    let (_, key) =
        tessera::auth::api_keys::create(&mut tx, id, "cross", &["members:read".parse().unwrap()])
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let forged = format!("tso_{}", tessera::auth::secret::generate());
    for token in [key.as_str(), forged.as_str(), "not-a-token"] {
        let response = app
            .http
            .get(format!("http://{}/api/v1/platform/tenants", app.addr))
            .header(HOST, HOST_NAME)
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{token}");
    }
    // Nor does the admin's password sign in to the console.
    let mut console = Console::new(&app).await;
    let page = console
        .post("/login", &[("email", email), ("password", password)])
        .await;
    assert_eq!(page.status, 401);
}

#[tokio::test]
async fn support_reads_and_operators_write() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("op-roles", "Club des rôles").await;
    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    assert_eq!(support.get("/console/tenants").await.status, 200);
    let path = format!("/console/tenants/{}/suspend", tenant.slug);
    assert_eq!(support.post(&path, &[("reason", "no")]).await.status, 403);
    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let page = operator
        .post(&path, &[("reason", "Cotisation <impayée>")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let (status, body) = app.get_text(tenant.default_host.as_str(), "/").await;
    assert_eq!(status, 503);
    assert!(
        body.contains("Cotisation &lt;impayée&gt;"),
        "the reason, escaped: {body}"
    );
    let resume = format!("/console/tenants/{}/resume", tenant.slug);
    assert_eq!(operator.post(&resume, &[]).await.status, 303);
    assert_eq!(app.get_text(tenant.default_host.as_str(), "/").await.0, 200);
    let page = operator
        .get(&format!("/console/tenants/{}", tenant.slug))
        .await;
    assert!(page.body.contains("tenant.suspended") && page.body.contains("tenant.active"));
}
