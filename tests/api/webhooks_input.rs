//! What is refused: addresses inside the network (at creation, and again
//! at delivery when the rules changed since), bad input (a 422 problem
//! naming the field, and nothing written), events producers may not emit,
//! and anyone but an administrator.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::helpers::api_client::{Reply, call, get, post};
use crate::helpers::browser::Browser;
use crate::helpers::{migrated_database, spawn_app_with};
use crate::webhooks_fixture::{
    ENDPOINTS, Receiver, app, config, count, create, deliveries, drain, emit, endpoint, person,
};

/// Nothing of this module was written.
const WRITTEN: &str = "SELECT (SELECT count(*) FROM webhook_endpoints) \
    + (SELECT count(*) FROM webhook_events) + (SELECT count(*) FROM webhook_deliveries) \
    + (SELECT count(*) FROM audit_log WHERE action LIKE 'webhook.%')";

fn refused(reply: &Reply, field: &str) {
    assert_eq!(reply.status, 422, "{reply:?}");
    assert!(reply.is_problem(), "{reply:?}");
    let detail = reply.json["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(field), "{field}: {detail}");
}

#[tokio::test]
async fn addresses_inside_the_network_are_refused_at_creation() {
    let strict = app(false).await;
    let (tenant, _) = strict.create_tenant("wh-ssrf", "Ciné-club").await;
    let (_, token) = person(&strict, &tenant, "admin@example.org", Role::Admin).await;
    let host = tenant.default_host.as_str();
    let receiver = Receiver::start().await;
    for url in [
        receiver.url("inside"),
        "https://127.0.0.1/hook".to_owned(),
        "https://127.1.2.3:8443/hook".to_owned(),
        "https://10.0.0.1/hook".to_owned(),
        "https://10.20.30.40:8443/hook".to_owned(),
        "https://192.168.1.10/hook".to_owned(),
        "https://100.64.0.1/hook".to_owned(),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://[::1]/hook".to_owned(),
        "https://[::ffff:127.0.0.1]/hook".to_owned(),
        "https://[fd00::1]/hook".to_owned(),
        "https://localhost/hook".to_owned(),
        "https://intranet.internal/hook".to_owned(),
        "http://hooks.example.org/hook".to_owned(),
        "http://127.0.0.1/hook".to_owned(),
    ] {
        let reply = post(
            &strict,
            host,
            ENDPOINTS,
            &endpoint(&url, &["*"]),
            Some(&token),
        )
        .await;
        refused(&reply, "url: ");
    }
    assert_eq!(count(&strict, &tenant, WRITTEN).await, 0);
}

#[tokio::test]
async fn an_address_the_rules_refuse_now_is_not_delivered_to() {
    // Saved while loopback was allowed; delivered by an instance where it
    // is not: refused before any connection, for good.
    let database = migrated_database().await;
    let strict = spawn_app_with(database.clone(), config(false)).await;
    let (tenant, _) = strict.create_tenant("wh-ssrf-later", "Ciné-club").await;
    let (_, token) = person(&strict, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    let lax = spawn_app_with(database, config(true)).await;
    let (id, _) = create(
        &lax,
        &tenant,
        &token,
        endpoint(&receiver.url("inside"), &["*"]),
    )
    .await;
    emit(
        &strict,
        &tenant,
        "payout.paid",
        json!({ "secret": "of the payout" }),
    )
    .await;
    drain(&strict).await;
    assert!(receiver.received().is_empty(), "{:?}", receiver.received());
    let delivery = &deliveries(&strict, &tenant, &token, id).await.json["items"][0];
    assert_eq!(delivery["state"], "failed", "{delivery}");
    let why = delivery["last_error"].as_str().unwrap_or_default();
    assert!(why.starts_with("refused: "), "{why}");
    let dead: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform.jobs WHERE kind = 'webhooks.deliver' AND state = 'dead'",
    )
    .fetch_one(strict.pool())
    .await
    .unwrap();
    assert_eq!(dead, 1, "given up at once: it cannot get better by waiting");
}

#[tokio::test]
async fn bad_input_is_a_422_naming_the_field_and_writes_nothing() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-input", "Atelier Vélo").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let host = tenant.default_host.as_str();
    let good = "http://127.0.0.1:9/hook";
    let long = "é".repeat(501);
    let cases: [(Value, &str); 9] = [
        (json!({ "url": good, "events": [] }), "events: "),
        (
            json!({ "url": good, "events": ["Commission Created"] }),
            "events: ",
        ),
        (json!({ "url": good, "events": ["commission"] }), "events: "),
        (
            json!({ "url": "ftp://example.org/x", "events": ["*"] }),
            "url: ",
        ),
        (
            json!({ "url": "https://user:pw@example.org/x", "events": ["*"] }),
            "url: ",
        ),
        (
            json!({ "url": good, "description": long, "events": ["*"] }),
            "description: ",
        ),
        (json!({ "events": ["*"] }), "url"),
        (
            json!({ "url": good, "events": ["*"], "secret": "whsec_mine" }),
            "secret",
        ),
        (json!({ "url": 12, "events": ["*"] }), "url"),
    ];
    for (body, field) in &cases {
        refused(
            &post(&app, host, ENDPOINTS, body, Some(&token)).await,
            field,
        );
    }
    let raw = app
        .http
        .post(format!("http://{}{ENDPOINTS}", app.addr))
        .header("content-type", "application/json")
        .body("{ not json");
    let reply = crate::helpers::api_client::send(&app, raw, host, Some(&token)).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(count(&app, &tenant, WRITTEN).await, 0);
}

#[tokio::test]
async fn a_refused_change_changes_nothing() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-patch", "Atelier Bois").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let host = tenant.default_host.as_str();
    let receiver = Receiver::start().await;
    let body = endpoint(&receiver.url("r"), &["payout.*"]);
    let (id, _) = create(&app, &tenant, &token, body).await;
    let path = format!("{ENDPOINTS}/{id}");
    for (patch, field) in [
        (json!({ "url": "https://10.0.0.1/x" }), "url: "),
        (json!({ "events": ["*", "Bad"] }), "events: "),
        (json!({ "events": [], "active": false }), "events: "),
        (json!({ "active": "no" }), "active"),
    ] {
        refused(
            &call(&app, "PATCH", host, &path, &patch, Some(&token)).await,
            field,
        );
    }
    let shown = get(&app, host, &path, Some(&token)).await;
    assert_eq!(shown.json["events"], json!(["payout.*"]));
    assert_eq!(shown.json["url"], receiver.url("r"));
    assert_eq!(shown.json["active"], true);
    let changes = "SELECT count(*) FROM audit_log WHERE action LIKE 'webhook.%' \
                   AND action <> 'webhook.created'";
    assert_eq!(count(&app, &tenant, changes).await, 0);
}

#[tokio::test]
async fn a_refused_form_says_why_next_to_the_field_and_keeps_what_was_typed() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-form", "Atelier Couture").await;
    let (admin, _) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    browser.cookies.insert("lang".into(), "en".into());
    let typed = [
        ("url", "https://192.168.0.7/hooks"),
        ("description", "Compta"),
        ("events", "*"),
    ];
    let page = browser.post("/staff/webhooks", &typed).await;
    assert_eq!(page.status, 422, "{page:?}");
    assert!(
        page.body.contains("must point to a public server"),
        "{}",
        page.body
    );
    assert!(page.body.contains("https://192.168.0.7/hooks") && page.body.contains("Compta"));
    assert!(
        page.body.contains("value=\"*\" checked"),
        "the box stays ticked"
    );
    let page = browser
        .post("/staff/webhooks", &[("url", "http://127.0.0.1:9/x")])
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Choose at least one event"),
        "{}",
        page.body
    );
    let other = [
        ("url", "http://127.0.0.1:9/x"),
        ("other_events", "payout.paid, Bad Type"),
    ];
    let page = browser.post("/staff/webhooks", &other).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("dotted lowercase words"),
        "{}",
        page.body
    );
    assert_eq!(count(&app, &tenant, WRITTEN).await, 0);
}

#[tokio::test]
async fn producers_cannot_emit_malformed_or_reserved_types_and_go_on() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-emit", "Amicale").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    create(
        &app,
        &tenant,
        &token,
        endpoint(&receiver.url("all"), &["*"]),
    )
    .await;
    let mut tx = app.tenant_tx(&tenant).await;
    let huge = json!({ "blob": "x".repeat(70 * 1024) });
    for (event, data) in [
        ("Commission Created", json!({})),
        ("commission", json!({})),
        ("webhook.test", json!({})),
        ("commission.created", huge),
    ] {
        let refused = tessera::webhooks::emit(&mut tx, event, data).await;
        assert!(
            matches!(refused, Err(sqlx::Error::InvalidArgument(_))),
            "{event}: {refused:?}"
        );
    }
    // The producer's transaction is still usable.
    tessera::webhooks::emit(&mut tx, "commission.created", json!({ "ok": true }))
        .await
        .expect("a good event after refused ones");
    tx.commit().await.expect("commit");
    drain(&app).await;
    assert_eq!(receiver.received().len(), 1);
}
