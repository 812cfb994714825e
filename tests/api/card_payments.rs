//! Card payments through Stripe, against localstripe (see
//! `helpers::stripe`): the keys are tried and sealed; a member's Checkout
//! payment is confirmed by Stripe's events — delivered five times and out
//! of order, it is one payment — which pay the dues (membership active,
//! receipt issued) and keep the card the member agreed to; a wrong or
//! stale signature is a 400 that writes nothing; refunds from the
//! treasurer go through Stripe then the ledger, and a refund made on
//! Stripe's side comes back through its event.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::model::Tenant;

use crate::account_flow::mailing_config;
use crate::contributions_core_fixture::{create_plan, join_alone, yearly_plan};
use crate::contributions_fixture::{Desk, PASSWORD, desk, get, person, scalar, send};
use crate::helpers::api_client;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::stripe::{LocalStripe, SECRET_KEY, signature};
use crate::helpers::{TestApp, migrated_database, spawn_app_with};

/// A mailing application reaching its own localstripe.
pub async fn card_app() -> (SmtpSink, LocalStripe, TestApp) {
    let sink = SmtpSink::start();
    let stripe = LocalStripe::start().await;
    let mut config = mailing_config(&sink);
    stripe.configure(&mut config);
    let app = spawn_app_with(migrated_database().await, config).await;
    (sink, stripe, app)
}

/// Sets `desk`'s association up with localstripe and `webhook_secret`,
/// through the API as its admin.
pub async fn set_up_keys(app: &TestApp, desk: &Desk, webhook_secret: &str) {
    let email = format!("admin-{}@card.test", desk.tenant.id.get());
    person(app, &desk.tenant, &email, "Ada Admin", Role::Admin, true).await;
    let (admin, _) = api_client::login(app, &desk.host, &email, PASSWORD).await;
    let body = json!({ "secret_key": SECRET_KEY, "webhook_secret": webhook_secret });
    let saved = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/card-payments/keys",
        &body,
        &admin,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
}

/// A member owing a yearly 45 € membership: (member, token, membership, plan).
pub async fn member_owing(app: &TestApp, desk: &Desk, email: &str) -> (i64, String, i64, i64) {
    let member = person(app, &desk.tenant, email, "Marc Membre", Role::Member, true).await;
    let plan = create_plan(app, &desk.tenant, &yearly_plan(4500), desk.treasurer).await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    let joined =
        tessera::contributions::memberships::join(&mut tx, &join_alone(plan, member), None)
            .await
            .expect("join");
    tx.commit().await.expect("commit");
    let (token, _) = api_client::login(app, &desk.host, email, PASSWORD).await;
    (member, token, joined.membership_ids[0], plan)
}

/// POSTs `event` to the association's webhook endpoint, signed now.
pub async fn deliver(app: &TestApp, host: &str, secret: &str, event: &Value) -> (u16, Value) {
    let body = serde_json::to_vec(event).expect("event");
    deliver_raw(
        app,
        host,
        &signature(secret, chrono::Utc::now().timestamp(), &body),
        body,
    )
    .await
}

pub async fn deliver_raw(app: &TestApp, host: &str, signed: &str, body: Vec<u8>) -> (u16, Value) {
    let reply = app
        .http
        .post(format!("http://{}/api/v1/webhooks/stripe", app.addr))
        .header("host", host)
        .header("stripe-signature", signed)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("webhook answered");
    let status = reply.status().as_u16();
    (status, reply.json().await.unwrap_or(Value::Null))
}

/// Waits until `sql` (one text value) reads `expected`.
pub async fn until_reads(app: &TestApp, tenant: &Arc<Tenant>, sql: &str, expected: &str) {
    let started = std::time::Instant::now();
    loop {
        let mut tx = app.tenant_tx(tenant).await;
        // No row, or a NULL (an event not applied yet): not there yet.
        let value: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_optional(tx.conn().await.expect("conn"))
            .await
            .expect("value")
            .flatten();
        drop(tx);
        if value.as_deref() == Some(expected) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{sql} reads {value:?}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The member pays on « Stripe's page »: the events it produced.
pub async fn pay_on_stripe(stripe: &LocalStripe, url: &str, card: &str) -> Vec<Value> {
    let (status, session) = stripe.pay(url, card).await;
    assert_eq!(status, 200, "{session:?}");
    let id = session["id"].as_str().expect("session id");
    let intent = session["payment_intent"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    stripe
        .events()
        .await
        .into_iter()
        .filter(|e| {
            let object = &e["data"]["object"];
            object["id"] == id || (!intent.is_empty() && object["id"] == intent.as_str())
        })
        .collect()
}

pub use crate::direct_debit_collections::membership_status;

#[tokio::test]
async fn a_checkout_is_one_payment_whatever_the_deliveries_and_refunds_go_both_ways() {
    let (_sink, stripe, app) = card_app().await;
    let desk = desk(&app, "card-pay").await;
    let secret = "whsec_card_pay_secret";
    set_up_keys(&app, &desk, secret).await;

    // The keys are sealed: the database holds neither, the API shows a hint.
    let raw = scalar(
        &app,
        &desk.tenant,
        &format!(
            "SELECT count(*) FROM stripe_settings WHERE position('{SECRET_KEY}'::bytea in secret_key_sealed) > 0
               OR position('{secret}'::bytea in webhook_secret_sealed) > 0"
        ),
    )
    .await;
    assert_eq!(raw, 0);
    let shown = get(&app, &desk.host, "/api/v1/card-payments/keys", &desk.token).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.json["key_hint"], "sk_test_…0000");
    assert!(!shown.json.to_string().contains(SECRET_KEY));

    let (member, token, membership, plan) = member_owing(&app, &desk, "marc@card.test").await;
    let body = json!({ "renew_plan_ids": [plan] });
    let started = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/me/card-payments/checkout",
        &body,
        &token,
    )
    .await;
    assert_eq!(started.status, 200, "{:?}", started.json);
    let payment = started.json["payment_id"].as_i64().expect("payment");
    let url = started.json["redirect_url"]
        .as_str()
        .expect("url")
        .to_owned();
    assert!(url.starts_with(&stripe.base), "{url}");
    // Coming back while the page is open: the same page, not a second payment.
    let again = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/me/card-payments/checkout",
        &body,
        &token,
    )
    .await;
    assert_eq!(again.json["payment_id"], payment);
    assert_eq!(again.json["redirect_url"], url.as_str());
    assert_eq!(membership_status(&app, &desk, membership).await, "pending");

    let events = pay_on_stripe(&stripe, &url, "4242424242424242").await;
    let succeeded = events
        .iter()
        .find(|e| e["type"] == "payment_intent.succeeded")
        .expect("payment_intent.succeeded");
    let completed = events
        .iter()
        .find(|e| e["type"] == "checkout.session.completed")
        .expect("checkout.session.completed");

    // A wrong secret, a changed body, a stale signature: 400, nothing kept.
    let (status, _) = deliver(&app, &desk.host, "whsec_someone_else", succeeded).await;
    assert_eq!(status, 400);
    let body = serde_json::to_vec(succeeded).expect("json");
    let now = chrono::Utc::now().timestamp();
    let mut changed = body.clone();
    changed.extend_from_slice(b" ");
    let (status, _) = deliver_raw(&app, &desk.host, &signature(secret, now, &body), changed).await;
    assert_eq!(status, 400);
    let stale = signature(secret, now - 3600, &body);
    let (status, _) = deliver_raw(&app, &desk.host, &stale, body.clone()).await;
    assert_eq!(status, 400);
    let (status, _) = deliver_raw(&app, &desk.host, "t=1,v1=00", body.clone()).await;
    assert_eq!(status, 400);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM stripe_events").await,
        0
    );

    // The success five times, the session's completion before and after.
    let (status, first) = deliver(&app, &desk.host, secret, completed).await;
    assert_eq!((status, &first["new"]), (200, &json!(true)));
    for _ in 0..5 {
        let (status, _) = deliver(&app, &desk.host, secret, succeeded).await;
        assert_eq!(status, 200);
    }
    let (status, repeated) = deliver(&app, &desk.host, secret, completed).await;
    assert_eq!((status, &repeated["new"]), (200, &json!(false)));
    let paid = format!("SELECT status FROM payments WHERE id = {payment}");
    until_reads(&app, &desk.tenant, &paid, "paid").await;
    until_reads(
        &app,
        &desk.tenant,
        "SELECT count(*)::text FROM stripe_events WHERE processed_at IS NULL",
        "0",
    )
    .await;
    assert_eq!(
        scalar(
            &app,
            &desk.tenant,
            &format!("SELECT count(*) FROM payments WHERE payer_id = {member}")
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM stripe_events").await,
        2
    );
    assert_eq!(
        scalar(&app, &desk.tenant, &format!("SELECT count(*) FROM receipts WHERE payment_id = {payment} AND cancelled_at IS NULL")).await,
        1
    );
    assert_eq!(membership_status(&app, &desk, membership).await, "current");
    let intent = succeeded["data"]["object"]["id"].as_str().expect("intent");
    assert_eq!(
        scalar(&app, &desk.tenant, &format!("SELECT count(*) FROM payments WHERE provider = 'stripe' AND provider_ref = '{intent}' AND method = 'online'")).await,
        1
    );
    // The member agreed to renewals: the card is kept, the consent listed.
    let mine = get(&app, &desk.host, "/api/v1/me/card", &token).await;
    assert_eq!(mine.json["card"]["last4"], "4242", "{:?}", mine.json);
    assert_eq!(mine.json["consents"][0]["plan_id"], plan);

    // A partial refund from the treasurer: on Stripe, then the ledger.
    let refund = json!({ "amount": { "minor": 1500, "currency": "EUR" }, "reason": "moved away" });
    let path = format!("/api/v1/card-payments/payments/{payment}/refund");
    let refunded = send(&app, "POST", &desk.host, &path, &refund, &desk.token).await;
    assert_eq!(refunded.status, 200, "{:?}", refunded.json);
    assert_eq!(refunded.json["refunded"]["minor"], 1500);
    let (_, on_stripe) = stripe
        .get(&format!("/v1/refunds?payment_intent={intent}"))
        .await;
    let on_stripe = on_stripe.expect("refunds");
    assert_eq!(on_stripe["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(on_stripe["data"][0]["amount"], 1500);
    // Too much is refused before Stripe is asked.
    let over = json!({ "amount": { "minor": 4000, "currency": "EUR" }, "reason": "oops" });
    assert_eq!(
        send(&app, "POST", &desk.host, &path, &over, &desk.token)
            .await
            .status,
        422
    );

    // Stripe's own `charge.refunded` for that refund changes nothing; a
    // later refund made on Stripe's dashboard arrives through its event.
    let charge = |id: &str, refunded: i64| {
        json!({ "id": id, "type": "charge.refunded", "created": now, "livemode": false,
                "data": { "object": { "id": "ch_test_1", "object": "charge", "payment_intent": intent,
                                       "amount": 4500, "amount_refunded": refunded, "currency": "eur" } } })
    };
    assert_eq!(
        deliver(&app, &desk.host, secret, &charge("evt_refund_1", 1500))
            .await
            .0,
        200
    );
    let processed = "SELECT count(*)::text FROM stripe_events WHERE processed_at IS NULL";
    until_reads(&app, &desk.tenant, processed, "0").await;
    let refunded_minor = format!("SELECT refunded_minor::text FROM payments WHERE id = {payment}");
    until_reads(&app, &desk.tenant, &refunded_minor, "1500").await;
    assert_eq!(
        deliver(&app, &desk.host, secret, &charge("evt_refund_2", 4500))
            .await
            .0,
        200
    );
    until_reads(&app, &desk.tenant, &paid, "refunded").await;
    until_reads(&app, &desk.tenant, &refunded_minor, "4500").await;
}

#[tokio::test]
async fn an_expired_page_frees_the_dues_and_money_taken_after_is_flagged_not_lost() {
    let (_sink, stripe, app) = card_app().await;
    let desk = desk(&app, "card-expiry").await;
    let secret = "whsec_card_expiry";
    set_up_keys(&app, &desk, secret).await;
    let (_, token, membership, _) = member_owing(&app, &desk, "eve@card.test").await;
    let path = "/api/v1/me/card-payments/checkout";
    let first = send(&app, "POST", &desk.host, path, &json!({}), &token).await;
    let payment = first.json["payment_id"].as_i64().expect("payment");
    let url = first.json["redirect_url"].as_str().expect("url").to_owned();
    let (status, session) = stripe.post(&format!("{url}/expire"), &[]).await;
    assert_eq!(status, 200, "{session:?}");
    let expired = stripe
        .events()
        .await
        .into_iter()
        .find(|e| e["type"] == "checkout.session.expired")
        .expect("expired event");
    assert_eq!(deliver(&app, &desk.host, secret, &expired).await.0, 200);
    let status_sql = format!("SELECT status FROM payments WHERE id = {payment}");
    until_reads(&app, &desk.tenant, &status_sql, "failed").await;
    assert_eq!(membership_status(&app, &desk, membership).await, "pending");
    // The dues are free again: a new page, a new payment.
    let second = send(&app, "POST", &desk.host, path, &json!({}), &token).await;
    assert_eq!(second.status, 200, "{:?}", second.json);
    assert_ne!(second.json["payment_id"], payment);

    // Stripe reports money taken for the expired one: flagged, not applied.
    let tenant = desk.tenant.id.get().to_string();
    let late = json!({ "id": "evt_late", "type": "payment_intent.succeeded",
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": { "id": "pi_late", "object": "payment_intent", "amount": 4500,
            "currency": "eur", "status": "succeeded",
            "metadata": { "tessera_tenant": tenant, "tessera_payment": payment.to_string() } } } });
    assert_eq!(deliver(&app, &desk.host, secret, &late).await.0, 200);
    let outcome = "SELECT outcome FROM stripe_events WHERE id = 'evt_late'";
    let flagged = "ignored: paid on Stripe after it was given up: refund or record it";
    until_reads(&app, &desk.tenant, outcome, flagged).await;
    until_reads(&app, &desk.tenant, &status_sql, "failed").await;
    let audited =
        "SELECT count(*) FROM audit_log WHERE action = 'card_payments.paid_after_failure'";
    assert_eq!(scalar(&app, &desk.tenant, audited).await, 1);
}
