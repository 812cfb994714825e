//! Outgoing webhooks, delivered to a real receiver on 127.0.0.1: signed
//! with the secret shown at creation (checked as a receiver checks it),
//! retried with the same `webhook-id` until a 2xx, given up after the
//! queue's last attempt, and sent only to the endpoints whose filter
//! takes the event's type.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::helpers::api_client::call;
use crate::webhooks_fixture::{
    ENDPOINTS, Receiver, app, count, create, deliveries, drain, emit, endpoint, person, signed_by,
};

#[tokio::test]
async fn a_delivery_is_signed_with_the_secret_shown_at_creation() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-sign", "Les Amis du Livre").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    let body = endpoint(&receiver.url("books"), &["commission.*"]);
    let (id, secret) = create(&app, &tenant, &token, body).await;
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );

    let data = json!({ "amount": 1200, "currency": "EUR" });
    emit(&app, &tenant, "commission.created", data.clone()).await;
    drain(&app).await;

    let got = receiver.received_at("books");
    assert_eq!(got.len(), 1, "{got:?}");
    let request = &got[0];
    assert!(signed_by(request, &secret), "{request:?}");
    let stranger = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(!signed_by(request, stranger), "any secret would do");
    assert_eq!(request.header("content-type"), "application/json");
    assert!(
        request
            .header("user-agent")
            .starts_with("Tessera-Webhooks/")
    );
    let webhook_id = request.header("webhook-id");
    assert!(webhook_id.starts_with("evt_"), "{webhook_id}");
    let sent = request.json();
    assert_eq!(sent["id"], webhook_id);
    assert_eq!(sent["type"], "commission.created");
    assert_eq!(sent["data"], data);
    let created = sent["created_at"].as_str().expect("created_at");
    assert!(
        chrono::DateTime::parse_from_rfc3339(created).is_ok(),
        "{created}"
    );

    let reply = deliveries(&app, &tenant, &token, id).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let delivery = &reply.json["items"][0];
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(delivery["attempts"], 1);
    assert_eq!(delivery["last_status"], 200);
    assert_eq!(delivery["event_id"], webhook_id);
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_three_times_with_one_id() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-retry", "Club de Voile").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    receiver.script("flaky", &[500, 500]);
    let body = endpoint(&receiver.url("flaky"), &["*"]);
    let (id, secret) = create(&app, &tenant, &token, body).await;

    emit(&app, &tenant, "payout.paid", json!({ "payout": 7 })).await;
    drain(&app).await;

    let got = receiver.received_at("flaky");
    assert_eq!(got.len(), 3, "{got:?}");
    let ids: Vec<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(got.iter().all(|r| signed_by(r, &secret)));
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the same event each time"
    );
    let delivery = &deliveries(&app, &tenant, &token, id).await.json["items"][0];
    assert_eq!(delivery["state"], "delivered", "{delivery}");
    assert_eq!(delivery["attempts"], 3);
    assert_eq!(delivery["last_status"], 200);
    assert!(delivery["delivered_at"].is_string());
    assert!(delivery["last_error"].is_null(), "{delivery}");
    let shown = crate::helpers::api_client::get(
        &app,
        tenant.default_host.as_str(),
        &format!("{ENDPOINTS}/{id}"),
        Some(&token),
    )
    .await;
    assert!(
        shown.json["failing_since"].is_null(),
        "it recovered: {shown:?}"
    );
    let jobs: Vec<String> =
        sqlx::query_scalar("SELECT state FROM platform.jobs WHERE kind = 'webhooks.deliver'")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(jobs, ["done"]);
}

#[tokio::test]
async fn a_receiver_that_never_takes_it_is_given_up_after_the_last_attempt() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-give-up", "Fanfare").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    receiver.script("down", &[503; 20]);
    let (down, _) = create(
        &app,
        &tenant,
        &token,
        endpoint(&receiver.url("down"), &["*"]),
    )
    .await;
    // Nothing listens on port 1.
    let closed = endpoint("http://127.0.0.1:1/closed", &["*"]);
    let (closed, _) = create(&app, &tenant, &token, closed).await;

    emit(&app, &tenant, "payout.paid", json!({ "payout": 8 })).await;
    drain(&app).await;

    let max = app.state.config.jobs.max_attempts;
    assert_eq!(receiver.received_at("down").len(), max as usize);
    let delivery = &deliveries(&app, &tenant, &token, down).await.json["items"][0];
    assert_eq!(delivery["state"], "failed", "{delivery}");
    assert_eq!(delivery["attempts"], max);
    assert_eq!(delivery["last_status"], 503);
    assert_eq!(delivery["last_error"], "the receiver answered 503");
    assert!(delivery["next_attempt_at"].is_null());
    let delivery = &deliveries(&app, &tenant, &token, closed).await.json["items"][0];
    assert_eq!(delivery["state"], "failed", "{delivery}");
    assert!(delivery["last_status"].is_null());
    let why = delivery["last_error"].as_str().unwrap_or_default();
    assert!(
        why.starts_with("unreachable: ") && why.contains("refused"),
        "{why}"
    );
    // Dead in the queue, where operators see it; the endpoints are failing.
    let jobs: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT state, last_error FROM platform.jobs WHERE kind = 'webhooks.deliver' ORDER BY id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(jobs.iter().all(|(state, _)| state == "dead"), "{jobs:?}");
    assert_eq!(jobs[0].1.as_deref(), Some("the receiver answered 503"));
    let failing =
        "SELECT count(*) FROM webhook_endpoints WHERE failing_since IS NOT NULL AND active";
    assert_eq!(
        count(&app, &tenant, failing).await,
        2,
        "a bad day does not disable"
    );
}

/// The types `name` received, sorted.
fn types(receiver: &Receiver, name: &str) -> Vec<String> {
    let mut got: Vec<String> = receiver
        .received_at(name)
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    got
}

#[tokio::test]
async fn each_endpoint_gets_only_the_types_it_subscribed_to() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-filter", "Chorale du Port").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    // Nobody subscribed yet: the event is not even stored.
    emit(&app, &tenant, "payout.paid", json!({ "amount": 1 })).await;
    assert_eq!(
        count(&app, &tenant, "SELECT count(*) FROM webhook_events").await,
        0
    );
    let mut off = 0;
    for (name, events) in [
        ("commissions", vec!["commission.*"]),
        ("paid", vec!["payout.paid"]),
        ("all", vec!["*"]),
        ("two", vec!["referral.created", "payout.*"]),
        ("off", vec!["*"]),
    ] {
        (off, _) = create(
            &app,
            &tenant,
            &token,
            endpoint(&receiver.url(name), &events),
        )
        .await;
    }
    let (host, off) = (tenant.default_host.as_str(), format!("{ENDPOINTS}/{off}"));
    let disable: Value = json!({ "active": false });
    let reply = call(&app, "PATCH", host, &off, &disable, Some(&token)).await;
    assert_eq!(reply.json["disabled_reason"], "manual", "{reply:?}");

    let sent = [
        "commission.created",
        "payout.paid",
        "payout.failed",
        "referral.created",
        "referral.updated",
        "commissions.created",
    ];
    for event in sent {
        emit(&app, &tenant, event, json!({ "event": event })).await;
    }
    drain(&app).await;

    assert_eq!(types(&receiver, "commissions"), ["commission.created"]);
    assert_eq!(types(&receiver, "paid"), ["payout.paid"]);
    let two = ["payout.failed", "payout.paid", "referral.created"];
    assert_eq!(types(&receiver, "two"), two);
    let mut every: Vec<String> = sent.iter().map(|s| s.to_string()).collect();
    every.sort();
    assert_eq!(types(&receiver, "all"), every);
    assert!(
        types(&receiver, "off").is_empty(),
        "a disabled endpoint gets nothing"
    );
    let stored = count(&app, &tenant, "SELECT count(*) FROM webhook_deliveries").await;
    assert_eq!(stored, 1 + 1 + 6 + 3);
}
