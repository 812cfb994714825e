//! Bad input to the notifications API changes nothing: push endpoints that
//! are not public `https` push services (the SSRF rule), broken keys,
//! malformed bodies and queries all get a 4xx problem; and every endpoint
//! is in the OpenAPI document.

use serde_json::json;
use tessera::auth::Role;

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{Device, PushService, app, count};

#[tokio::test]
async fn bad_subscriptions_and_queries_are_refused_and_write_nothing() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("notifbad", "Club Refus").await;
    let host = tenant.default_host.to_string();
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    let (token, _) = login(&app, &host, "ana@example.org", PASSWORD).await;
    let good = Device::new(&service, "good").subscription();
    let path = "/api/v1/notifications/subscriptions";
    let with = |endpoint: &str| {
        let mut body = good.clone();
        body["endpoint"] = json!(endpoint);
        body
    };
    let mut bad_key = good.clone();
    bad_key["keys"]["p256dh"] = json!("AAAA");
    let mut bad_auth = good.clone();
    bad_auth["keys"]["auth"] = json!("x");
    for (body, status) in [
        (with("http://push.example.org/x"), 422),
        (with("https://169.254.169.254/latest/meta-data"), 422),
        (with("https://10.0.0.7/push"), 422),
        (with("https://localhost/push"), 422),
        (with("http://10.0.0.7:8080/push"), 422),
        (with("javascript:alert(1)"), 422),
        (
            with(&format!("https://push.example.org/{}", "a".repeat(3000))),
            422,
        ),
        (bad_key, 422),
        (bad_auth, 422),
        (json!({ "endpoint": "https://push.example.org/x" }), 422),
        (json!("not an object"), 422),
    ] {
        let reply = post(&app, &host, path, &body, Some(&token)).await;
        assert_eq!(reply.status, status, "{body}: {reply:?}");
        assert!(reply.is_problem(), "{reply:?}");
    }
    let devices = "SELECT count(*) FROM push_subscriptions WHERE account_id = $1";
    assert_eq!(count(&app, &tenant, devices, ana).await, 0);
    for query in [
        "?limit=0",
        "?limit=500",
        "?limit=abc",
        "?unread=maybe",
        "?sort=1",
    ] {
        let reply = get(
            &app,
            &host,
            &format!("/api/v1/notifications{query}"),
            Some(&token),
        )
        .await;
        assert_eq!(reply.status, 400, "{query}: {reply:?}");
    }
    let unknown =
        json!({ "kinds": [{ "kind": "bills", "in_app": true, "email": true, "push": true }] });
    let put = call(
        &app,
        "PUT",
        &host,
        "/api/v1/notifications/preferences",
        &unknown,
        Some(&token),
    )
    .await;
    assert_eq!(put.status, 422, "{put:?}");
    let saved = "SELECT count(*) FROM notification_preferences WHERE account_id = $1";
    assert_eq!(count(&app, &tenant, saved, ana).await, 0);
    // No token: 401; the documents list every endpoint.
    assert_eq!(
        get(&app, &host, "/api/v1/notifications", None).await.status,
        401
    );
    let doc = get(&app, &host, "/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/notifications",
        "/api/v1/notifications/{id}/read",
        "/api/v1/notifications/read-all",
        "/api/v1/notifications/preferences",
        "/api/v1/notifications/vapid-public-key",
        "/api/v1/notifications/subscriptions",
        "/api/v1/notifications/subscriptions/{id}",
    ] {
        assert!(
            doc.json["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
}
