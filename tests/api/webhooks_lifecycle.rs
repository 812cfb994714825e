//! An endpoint over time: its secret is in the answers to creation and
//! rotation only; a rotated secret keeps signing beside the new one for a
//! day, then only the new one signs; an endpoint failing for days is
//! disabled automatically, its administrators see why, and it works again
//! once enabled.

use std::sync::Arc;

use serde_json::json;
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::helpers::TestApp;
use crate::helpers::api_client::{call, get, post};
use crate::helpers::browser::Browser;
use crate::webhooks_fixture::{
    ENDPOINTS, Receiver, app, count, create, deliveries, drain, emit, endpoint, execute, person,
    signed_by,
};

/// What the API and the audit log show, none of which may hold `secret`.
async fn nowhere_but_once(app: &TestApp, tenant: &Arc<Tenant>, token: &str, id: i64, secret: &str) {
    let host = tenant.default_host.as_str();
    for path in [ENDPOINTS.to_owned(), format!("{ENDPOINTS}/{id}")] {
        let reply = get(app, host, &path, Some(token)).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert!(!reply.json.to_string().contains(&secret[6..]), "{path}");
    }
    let audit = format!(
        "SELECT count(*) FROM audit_log WHERE detail::text LIKE '%{}%'",
        &secret[6..20]
    );
    assert_eq!(count(app, tenant, &audit).await, 0);
}

#[tokio::test]
async fn a_rotation_signs_with_both_secrets_for_a_day_then_with_the_new_one() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-rotate", "Jardins Partagés").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let host = tenant.default_host.as_str();
    let receiver = Receiver::start().await;
    let (id, old) = create(&app, &tenant, &token, endpoint(&receiver.url("r"), &["*"])).await;

    let rotate = format!("{ENDPOINTS}/{id}/rotate");
    let reply = post(&app, host, &rotate, &json!({}), Some(&token)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let new = reply.json["secret"].as_str().unwrap().to_owned();
    assert!(new.starts_with("whsec_") && new != old);
    let until = reply.json["previous_valid_until"].as_str().unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(until).unwrap();
    let minutes = (until.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!(
        (23 * 60 + 58..=24 * 60).contains(&minutes),
        "{minutes} minutes"
    );
    nowhere_but_once(&app, &tenant, &token, id, &old).await;
    nowhere_but_once(&app, &tenant, &token, id, &new).await;

    emit(&app, &tenant, "commission.created", json!({ "n": 1 })).await;
    drain(&app).await;
    let first = &receiver.received_at("r")[0];
    assert_eq!(
        first.header("webhook-signature").split(' ').count(),
        2,
        "{first:?}"
    );
    assert!(signed_by(first, &new), "the new secret signs");
    assert!(
        signed_by(first, &old),
        "the old one too, during the overlap"
    );

    // A day later.
    let later = "UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 s'";
    execute(&app, &tenant, later).await;
    emit(&app, &tenant, "commission.created", json!({ "n": 2 })).await;
    drain(&app).await;
    let second = &receiver.received_at("r")[1];
    assert_eq!(second.header("webhook-signature").split(' ').count(), 1);
    assert!(signed_by(second, &new));
    assert!(!signed_by(second, &old), "the old secret no longer signs");
    let shown = get(&app, host, &format!("{ENDPOINTS}/{id}"), Some(&token)).await;
    assert!(
        shown.json["previous_secret_valid_until"].is_null(),
        "{shown:?}"
    );
    let rotations = "SELECT count(*) FROM audit_log WHERE action = 'webhook.secret_rotated'";
    assert_eq!(count(&app, &tenant, rotations).await, 1);
}

/// Sends one event to a receiver that fails, after the endpoint has
/// been failing for `days`.
async fn fail_after(app: &TestApp, tenant: &Arc<Tenant>, days: u32) {
    let since =
        format!("UPDATE webhook_endpoints SET failing_since = now() - interval '{days} days'");
    execute(app, tenant, &since).await;
    emit(app, tenant, "payout.paid", json!({})).await;
    drain(app).await;
}

#[tokio::test]
async fn an_endpoint_failing_for_days_is_disabled_and_comes_back_when_enabled() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-failing", "Théâtre des Quais").await;
    let (_, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let host = tenant.default_host.as_str();
    let receiver = Receiver::start().await;
    receiver.script("broken", &[500; 40]);
    let (id, _) = create(
        &app,
        &tenant,
        &token,
        endpoint(&receiver.url("broken"), &["*"]),
    )
    .await;
    let max = app.state.config.jobs.max_attempts as usize;
    let path = format!("{ENDPOINTS}/{id}");

    fail_after(&app, &tenant, 1).await;
    assert_eq!(receiver.received_at("broken").len(), max);
    let shown = get(&app, host, &path, Some(&token)).await;
    assert_eq!(shown.json["active"], true, "a day is not enough: {shown:?}");

    // After six days, the next failure disables it; what was waiting is
    // not sent, and neither is what comes next.
    fail_after(&app, &tenant, 6).await;
    assert_eq!(receiver.received_at("broken").len(), max + 1);
    let shown = get(&app, host, &path, Some(&token)).await;
    assert_eq!(shown.json["active"], false, "{shown:?}");
    assert_eq!(shown.json["disabled_reason"], "failing");
    let latest = &deliveries(&app, &tenant, &token, id).await.json["items"][0];
    assert_eq!(latest["state"], "skipped", "{latest}");
    assert_eq!(latest["last_status"], 500, "{latest}");
    emit(&app, &tenant, "payout.paid", json!({})).await;
    drain(&app).await;
    assert_eq!(receiver.received_at("broken").len(), max + 1);
    let audited = "SELECT count(*) FROM audit_log WHERE action = 'webhook.disabled' \
                   AND actor_id IS NULL AND detail->>'reason' = 'failing'";
    assert_eq!(count(&app, &tenant, audited).await, 1);

    // Enabled again (with a working receiver), it gets new events.
    receiver.script("broken", &[]);
    let reply = call(
        &app,
        "PATCH",
        host,
        &path,
        &json!({ "active": true }),
        Some(&token),
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.json["failing_since"].is_null() && reply.json["disabled_reason"].is_null());
    emit(&app, &tenant, "payout.paid", json!({ "again": true })).await;
    drain(&app).await;
    let got = receiver.received_at("broken");
    assert_eq!(got.len(), max + 2);
    assert_eq!(got[max + 1].json()["data"], json!({ "again": true }));
}

#[tokio::test]
async fn an_automatically_disabled_endpoint_is_shown_with_its_reason() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-told", "Ludothèque").await;
    let (admin, token) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    receiver.script("broken", &[500]);
    let (id, _) = create(
        &app,
        &tenant,
        &token,
        endpoint(&receiver.url("broken"), &["*"]),
    )
    .await;
    fail_after(&app, &tenant, 6).await;

    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    browser.cookies.insert("lang".into(), "en".into());
    let list = browser.get("/staff/webhooks").await;
    assert_eq!(list.status, 200, "{list:?}");
    assert!(
        list.body.contains("disabled automatically"),
        "{}",
        list.body
    );
    assert!(list.body.contains("failed for 5 days"), "{}", list.body);
    let page = browser.get(&format!("/staff/webhooks/{id}")).await;
    assert!(page.body.contains("disabled: failing"), "{}", page.body);
    assert!(
        page.body.contains("the endpoint is disabled"),
        "the skipped delivery says why"
    );
    assert!(
        page.body.contains("/enable\""),
        "with the button to enable it"
    );
    browser.cookies.insert("lang".into(), "fr".into());
    let list = browser.get("/staff/webhooks").await;
    assert!(
        list.body.contains("désactivé automatiquement"),
        "{}",
        list.body
    );
}
