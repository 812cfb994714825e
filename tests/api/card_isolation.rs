//! Card payments across tenants and through the pages. Two associations
//! share one Stripe server: A's events are refused on B's endpoint (B's
//! secret does not sign them) and, even re-signed with B's secret, touch
//! nothing of B's (they carry A's tag) — not even B's payment with the
//! same id; tokens and cookies of A reach nothing of B's. A dispute takes
//! the money back once. The pages work without JavaScript: the treasurer
//! enters keys, the donor's form goes to Stripe's page with exactly the
//! amount typed, and a gift to the association is a donation, not credit.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::card_payments::{
    card_app, deliver, member_owing, pay_on_stripe, set_up_keys, until_reads,
};
use crate::contributions_fixture::{Desk, desk, get, person, scalar, send};
use crate::helpers::TestApp;
use crate::helpers::browser::Browser;
use crate::helpers::stripe::SECRET_KEY;

const SECRET_A: &str = "whsec_isolation_a";
const SECRET_B: &str = "whsec_isolation_b";

async fn idle(app: &TestApp, desk: &Desk) {
    let sql = "SELECT count(*)::text FROM stripe_events WHERE processed_at IS NULL";
    until_reads(app, &desk.tenant, sql, "0").await;
}

/// A member of `desk` who started paying by card: (payment, checkout URL, token).
async fn started(app: &TestApp, desk: &Desk, email: &str) -> (i64, String, String) {
    let (_, token, _, _) = member_owing(app, desk, email).await;
    let path = "/api/v1/me/card-payments/checkout";
    let reply = send(app, "POST", &desk.host, path, &json!({}), &token).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    let payment = reply.json["payment_id"].as_i64().expect("payment");
    let url = reply.json["redirect_url"].as_str().expect("url").to_owned();
    (payment, url, token)
}

fn dispute(id: &str, intent: &str) -> Value {
    json!({ "id": id, "type": "charge.dispute.created", "created": chrono::Utc::now().timestamp(),
            "data": { "object": { "id": "dp_test_1", "object": "dispute", "charge": "ch_test_9",
                                   "payment_intent": intent, "amount": 4500, "status": "needs_response",
                                   "reason": "fraudulent" } } })
}

#[tokio::test]
async fn another_tenants_events_tokens_and_cookies_reach_nothing_and_a_dispute_counts_once() {
    let (_sink, stripe, app) = card_app().await;
    let a = desk(&app, "card-iso-a").await;
    let b = desk(&app, "card-iso-b").await;
    set_up_keys(&app, &a, SECRET_A).await;
    set_up_keys(&app, &b, SECRET_B).await;
    let (paid_a, url_a, token_a) = started(&app, &a, "ana@card-iso-a.test").await;
    let (pending_b, _, _) = started(&app, &b, "bob@card-iso-b.test").await;
    // Each schema numbers its own payments: the same id on both sides.
    assert_eq!(paid_a, pending_b);
    let events = pay_on_stripe(&stripe, &url_a, "4242424242424242").await;
    let succeeded = events
        .iter()
        .find(|e| e["type"] == "payment_intent.succeeded")
        .expect("succeeded");

    // Signed by A, posted to B: refused, nothing kept.
    assert_eq!(deliver(&app, &b.host, SECRET_A, succeeded).await.0, 400);
    assert_eq!(
        scalar(&app, &b.tenant, "SELECT count(*) FROM stripe_events").await,
        0
    );
    // Re-signed with B's secret: kept, but it is A's payment, not B's.
    assert_eq!(deliver(&app, &b.host, SECRET_B, succeeded).await.0, 200);
    idle(&app, &b).await;
    let b_status = format!("SELECT status FROM payments WHERE id = {pending_b}");
    until_reads(&app, &b.tenant, &b_status, "pending").await;
    let outcome = "SELECT outcome FROM stripe_events";
    until_reads(
        &app,
        &b.tenant,
        outcome,
        "ignored: not tagged for this association",
    )
    .await;
    // On A's own endpoint, it pays A's.
    assert_eq!(deliver(&app, &a.host, SECRET_A, succeeded).await.0, 200);
    let a_status = format!("SELECT status FROM payments WHERE id = {paid_a}");
    until_reads(&app, &a.tenant, &a_status, "paid").await;

    // A's tokens and cookie on B's host.
    let refund = json!({ "amount": { "minor": 100, "currency": "EUR" }, "reason": "try" });
    let path = format!("/api/v1/card-payments/payments/{paid_a}/refund");
    assert_eq!(
        send(&app, "POST", &b.host, &path, &refund, &a.token)
            .await
            .status,
        401
    );
    assert_eq!(
        get(&app, &b.host, "/api/v1/card-payments/keys", &a.token)
            .await
            .status,
        401
    );
    assert_eq!(
        get(&app, &b.host, "/api/v1/me/card", &token_a).await.status,
        401
    );
    let mut cookie = Browser::signed_in_as(&app, &a.tenant, a.treasurer, Role::Treasurer).await;
    cookie.host = b.host.clone();
    assert_ne!(cookie.get("/treasury/card-payments").await.status, 200);
    // B's treasurer refunding « A's payment id » reaches B's own pending one.
    let from_b = send(&app, "POST", &b.host, &path, &refund, &b.token).await;
    assert_eq!(from_b.status, 409, "{:?}", from_b.json);
    until_reads(
        &app,
        &a.tenant,
        &format!("SELECT refunded_minor::text FROM payments WHERE id = {paid_a}"),
        "0",
    )
    .await;

    // A dispute: the money goes back once, however often it is told.
    let intent = succeeded["data"]["object"]["id"].as_str().expect("intent");
    for id in ["evt_dispute_1", "evt_dispute_1", "evt_dispute_2"] {
        assert_eq!(
            deliver(&app, &a.host, SECRET_A, &dispute(id, intent))
                .await
                .0,
            200
        );
    }
    idle(&app, &a).await;
    until_reads(&app, &a.tenant, &a_status, "refunded").await;
    let reversed = format!(
        "SELECT count(*) FROM ledger_entries WHERE payment_id = {paid_a} AND kind = 'refund'"
    );
    assert_eq!(scalar(&app, &a.tenant, &reversed).await, 1);
    let disputed = format!(
        "SELECT count(*) FROM card_charges WHERE payment_id = {paid_a} AND disputed_at IS NOT NULL"
    );
    assert_eq!(scalar(&app, &a.tenant, &disputed).await, 1);
}

#[tokio::test]
async fn the_pages_set_up_stripe_and_send_a_donor_to_pay_exactly_what_they_typed() {
    let (_sink, stripe, app) = card_app().await;
    let desk = desk(&app, "card-pages").await;
    let admin = person(
        &app,
        &desk.tenant,
        "admin@card-pages.test",
        "Ada",
        Role::Admin,
        true,
    )
    .await;
    let mut staff = Browser::signed_in_as(&app, &desk.tenant, admin, Role::Admin).await;
    let page = staff.get("/treasury/card-payments").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("/api/v1/webhooks/stripe"),
        "{}",
        page.body
    );
    // Not a Stripe key: the form says so, nothing is saved.
    let wrong = staff
        .post(
            "/treasury/card-payments",
            &[
                ("secret_key", "pk_live_123456789012"),
                ("webhook_secret", "whsec_x1234567"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.body.contains("card-error"), "{}", wrong.body);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM stripe_settings").await,
        0
    );
    let saved = staff
        .post(
            "/treasury/card-payments",
            &[
                ("secret_key", SECRET_KEY),
                ("webhook_secret", "whsec_pages_secret"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = staff.get("/treasury/card-payments").await;
    assert!(page.body.contains("sk_test_…0000") && !page.body.contains(SECRET_KEY));

    let donor = person(
        &app,
        &desk.tenant,
        "dora@card-pages.test",
        "Dora",
        Role::Member,
        true,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, donor, Role::Member).await;
    let form = browser.get("/donate").await;
    assert_eq!(form.status, 200);
    // No amount is chosen for the donor.
    assert!(
        form.body
            .contains(r#"name="amount" inputmode="decimal" autocomplete="off" required value="""#),
        "{}",
        form.body
    );
    let refused = browser
        .post("/donate", &[("amount", "0"), ("frequency", "once")])
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM payments").await,
        0
    );
    let monthly_unaccepted = browser
        .post("/donate", &[("amount", "10"), ("frequency", "monthly")])
        .await;
    assert_eq!(monthly_unaccepted.status, 422);
    let gone = browser
        .post(
            "/donate",
            &[
                ("amount", "12,50"),
                ("frequency", "monthly"),
                ("accept", "yes"),
            ],
        )
        .await;
    assert_eq!(gone.status, 303, "{}", gone.body);
    let url = gone.location.expect("to Stripe");
    assert!(url.starts_with(&stripe.base), "{url}");
    let (_, session) = stripe
        .get(&url[stripe.base.len()..].replace("/_checkout/", "/v1/checkout/sessions/"))
        .await;
    assert_eq!(session.expect("session")["amount_total"], 1250);

    for event in pay_on_stripe(&stripe, &url, "4242424242424242").await {
        assert_eq!(
            deliver(&app, &desk.host, "whsec_pages_secret", &event)
                .await
                .0,
            200
        );
    }
    until_reads(&app, &desk.tenant, "SELECT status FROM payments", "paid").await;
    let gift = "SELECT count(*) FROM payment_earmarks WHERE project_id IS NULL";
    assert_eq!(scalar(&app, &desk.tenant, gift).await, 1);
    let line = "SELECT count(*) FROM ledger_entries WHERE kind = 'donation'";
    assert_eq!(scalar(&app, &desk.tenant, line).await, 1);
    let card = browser.get("/membership/card-payments").await;
    assert_eq!(card.status, 200);
    assert!(card.body.contains("4242"), "{}", card.body);
    assert!(card.body.contains("12,50"), "{}", card.body);
    // The treasurer gives part of it back from the page.
    let paid = scalar(&app, &desk.tenant, "SELECT id FROM payments")
        .await
        .to_string();
    let listed = staff.get("/treasury/card-payments").await;
    assert!(listed.body.contains("Dora"), "{}", listed.body);
    let over = [
        ("payment_id", paid.as_str()),
        ("amount", "20"),
        ("reason", "double"),
    ];
    assert_eq!(
        staff
            .post("/treasury/card-payments/refund", &over)
            .await
            .status,
        422
    );
    let part = [
        ("payment_id", paid.as_str()),
        ("amount", "2,50"),
        ("reason", "double"),
    ];
    let back = staff.post("/treasury/card-payments/refund", &part).await;
    assert_eq!(back.status, 303, "{}", back.body);
    let refunded = "SELECT refunded_minor FROM payments";
    assert_eq!(scalar(&app, &desk.tenant, refunded).await, 250);
    // Stopping the monthly gift from the page.
    let consent = scalar(&app, &desk.tenant, "SELECT id FROM card_consents").await;
    let stopped = browser
        .post(
            &format!("/membership/card-payments/consents/{consent}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(stopped.status, 303);
    let live = "SELECT count(*) FROM recurring_gifts WHERE ended_at IS NULL";
    assert_eq!(scalar(&app, &desk.tenant, live).await, 0);
}
