//! Only administrators manage webhooks: people with a lower role are
//! refused on the pages and the API, visitors are sent to sign in, a form
//! without its CSRF token writes nothing, and API keys act for their
//! administrator only with a scope covering every module (`*:read`,
//! `*:write`): no key can be scoped to webhooks alone yet.

use tessera::auth::Role;

use crate::helpers::api_client::{get, post};
use crate::helpers::browser::Browser;
use crate::webhooks_fixture::{ENDPOINTS, app, count, endpoint, person};

#[tokio::test]
async fn people_below_administrator_are_refused_everywhere() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-roles", "Club Photo").await;
    let host = tenant.default_host.as_str();
    let body = endpoint("http://127.0.0.1:9/hook", &["*"]);
    let form = [("url", "http://127.0.0.1:9/x"), ("events", "*")];
    for (email, role) in [
        ("member@example.org", Role::Member),
        ("editor@example.org", Role::Editor),
        ("treasurer@example.org", Role::Treasurer),
    ] {
        let (id, token) = person(&app, &tenant, email, role).await;
        assert_eq!(
            get(&app, host, ENDPOINTS, Some(&token)).await.status,
            403,
            "{role:?}"
        );
        assert_eq!(
            post(&app, host, ENDPOINTS, &body, Some(&token))
                .await
                .status,
            403
        );
        let mut browser = Browser::signed_in_as(&app, &tenant, id, role).await;
        assert_eq!(browser.get("/staff/webhooks").await.status, 403, "{role:?}");
        assert_eq!(
            browser.post("/staff/webhooks", &form).await.status,
            403,
            "{role:?}"
        );
    }
    assert_eq!(get(&app, host, ENDPOINTS, None).await.status, 401);
    assert_eq!(post(&app, host, ENDPOINTS, &body, None).await.status, 401);
    let mut anonymous = Browser::new(&app, &tenant).await;
    let page = anonymous.get("/staff/webhooks").await;
    let to_sign_in = page
        .location
        .as_ref()
        .is_some_and(|l| l.contains("/accounts/login"));
    assert!(to_sign_in, "{page:?}");

    // An administrator's form without its CSRF token writes nothing.
    let (admin, _) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    let page = browser.post_raw("/staff/webhooks", &form).await;
    assert_eq!(page.status, 403, "{page:?}");
    assert_eq!(
        count(&app, &tenant, "SELECT count(*) FROM webhook_endpoints").await,
        0
    );
}

#[tokio::test]
async fn api_keys_need_a_scope_over_every_module() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-keys", "Club Radio").await;
    let host = tenant.default_host.as_str();
    let (_, admin) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let body = endpoint("http://127.0.0.1:9/hook", &["*"]);
    let mut keys = Vec::new();
    for scope in ["*:read", "*:write", "members:write"] {
        let new_key = serde_json::json!({ "name": scope, "scopes": [scope] });
        let reply = post(&app, host, "/api/v1/api-keys", &new_key, Some(&admin)).await;
        assert_eq!(reply.status, 201, "{reply:?}");
        keys.push(reply.json["key"].as_str().unwrap().to_owned());
    }
    assert_eq!(get(&app, host, ENDPOINTS, Some(&keys[0])).await.status, 200);
    assert_eq!(
        post(&app, host, ENDPOINTS, &body, Some(&keys[0]))
            .await
            .status,
        403
    );
    assert_eq!(
        post(&app, host, ENDPOINTS, &body, Some(&keys[1]))
            .await
            .status,
        201
    );
    assert_eq!(get(&app, host, ENDPOINTS, Some(&keys[2])).await.status, 403);
    assert_eq!(
        post(&app, host, ENDPOINTS, &body, Some(&keys[2]))
            .await
            .status,
        403
    );
}
