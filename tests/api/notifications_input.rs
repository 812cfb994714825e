//! Bad input to the notifications API changes nothing: push endpoints that
//! are not public `https` push services (the SSRF rule), broken keys,
//! malformed bodies and queries all get a 4xx problem; and every endpoint
//! is in the OpenAPI document.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::helpers::api_client::{call, get, post};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{DEVICES, Device, PushService, app, count, member};

/// Bodies `POST /api/v1/notifications/subscriptions` must refuse (422).
fn refused_subscriptions(good: &Value) -> Vec<Value> {
    let with = |endpoint: &str| {
        let mut body = good.clone();
        body["endpoint"] = json!(endpoint);
        body
    };
    let mut bad_key = good.clone();
    bad_key["keys"]["p256dh"] = json!("AAAA");
    let mut bad_auth = good.clone();
    bad_auth["keys"]["auth"] = json!("x");
    vec![
        with("http://push.example.org/x"),
        with("https://169.254.169.254/latest/meta-data"),
        with("https://10.0.0.7/push"),
        with("https://localhost/push"),
        with("https://push.example.org:8443/push"),
        with("http://10.0.0.7:8080/push"),
        with("javascript:alert(1)"),
        with(&format!("https://push.example.org/{}", "a".repeat(3000))),
        bad_key,
        bad_auth,
        json!({ "endpoint": "https://push.example.org/x" }),
        json!("not an object"),
    ]
}

#[tokio::test]
async fn subscriptions_outside_public_push_services_are_refused_and_write_nothing() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("notifbad", "Club Refus").await;
    let host = tenant.default_host.to_string();
    let (ana, token) = member(&app, &tenant, "ana@example.org", Role::Member).await;
    let good = Device::new(&service, "good").subscription();
    for body in refused_subscriptions(&good) {
        let reply = post(&app, &host, DEVICES, &body, Some(&token)).await;
        assert_eq!(reply.status, 422, "{body}: {reply:?}");
        assert!(reply.is_problem(), "{reply:?}");
    }
    let devices = "SELECT count(*) FROM push_subscriptions WHERE account_id = $1";
    assert_eq!(count(&app, &tenant, devices, ana).await, 0);
    // No token: 401, and still nothing.
    assert_eq!(post(&app, &host, DEVICES, &good, None).await.status, 401);
    assert_eq!(count(&app, &tenant, devices, ana).await, 0);
}

#[tokio::test]
async fn bad_queries_and_preferences_are_refused_and_every_endpoint_is_documented() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("notifquery", "Club Requêtes").await;
    let host = tenant.default_host.to_string();
    let (ana, token) = member(&app, &tenant, "ana@example.org", Role::Member).await;
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
    let path = "/api/v1/notifications/preferences";
    let unknown =
        json!({ "kinds": [{ "kind": "bills", "in_app": true, "email": true, "push": true }] });
    let partial = json!({ "kinds": [{ "kind": "payments", "in_app": true }] });
    for body in [
        unknown,
        partial,
        json!({ "digest": "daily" }),
        json!({ "extra": 1 }),
    ] {
        let reply = call(&app, "PUT", &host, path, &body, Some(&token)).await;
        assert_eq!(reply.status, 422, "{body}: {reply:?}");
    }
    let saved = "SELECT count(*) FROM notification_preferences WHERE account_id = $1";
    assert_eq!(count(&app, &tenant, saved, ana).await, 0);
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
