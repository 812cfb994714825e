//! Renewals charged to a saved card, as the member agreed: the period
//! ending is renewed and its dues charged off-session; a declined card is
//! presented again twice, the member in grace (never lapsed) and mailed an
//! « update your card » link each time; after the last decline the dues
//! are given up and the membership falls to what its rules say. A new card
//! given through the link is charged at once.

use std::sync::Arc;

use serde_json::{Value, json};
use tessera::model::Tenant;

use crate::card_payments::{
    card_app, deliver, member_owing, membership_status, pay_on_stripe, set_up_keys, until_reads,
};
use crate::contributions_fixture::{Desk, desk, get, scalar, send};
use crate::direct_debit::mail_for;
use crate::helpers::TestApp;
use crate::helpers::stripe::LocalStripe;

const SECRET: &str = "whsec_card_renewals";
/// localstripe: attaches, then every charge is declined.
const DECLINED_CARD: &str = "4000000000000341";

async fn deliver_all(app: &TestApp, desk: &Desk, events: &[Value]) {
    for event in events {
        let (status, body) = deliver(app, &desk.host, SECRET, event).await;
        assert_eq!(status, 200, "{body:?}");
    }
    let idle = "SELECT count(*)::text FROM stripe_events WHERE processed_at IS NULL";
    until_reads(app, &desk.tenant, idle, "0").await;
}

/// A member who paid by card agreeing to renewals, then replaced their card
/// with `card`: (member token, membership).
async fn subscriber(
    app: &TestApp,
    stripe: &LocalStripe,
    desk: &Desk,
    email: &str,
    card: &str,
) -> (String, i64) {
    let (_, token, membership, plan) = member_owing(app, desk, email).await;
    let body = json!({ "renew_plan_ids": [plan] });
    let path = "/api/v1/me/card-payments/checkout";
    let started = send(app, "POST", &desk.host, path, &body, &token).await;
    assert_eq!(started.status, 200, "{:?}", started.json);
    let url = started.json["redirect_url"].as_str().expect("url");
    deliver_all(
        app,
        desk,
        &pay_on_stripe(stripe, url, "4242424242424242").await,
    )
    .await;
    let update = send(
        app,
        "POST",
        &desk.host,
        "/api/v1/me/card/update",
        &json!({}),
        &token,
    )
    .await;
    assert_eq!(update.status, 200, "{:?}", update.json);
    let url = update.json["redirect_url"].as_str().expect("url");
    deliver_all(app, desk, &pay_on_stripe(stripe, url, card).await).await;
    let mine = get(app, &desk.host, "/api/v1/me/card", &token).await;
    assert_eq!(mine.json["card"]["last4"], &card[12..], "{:?}", mine.json);
    // The period ended yesterday: renewing it now is due.
    let mut tx = app.tenant_tx(&desk.tenant).await;
    let sql = format!(
        "UPDATE memberships SET starts_on = current_date - 365, ends_on = current_date - 1 WHERE id = {membership}"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(tx.conn().await.expect("conn"))
        .await
        .expect("period moved");
    tx.commit().await.expect("commit");
    (token, membership)
}

/// Runs the renewals and waits for their charges to be sent.
async fn run_renewals(app: &TestApp, desk: &Desk) -> Value {
    let planned = send(
        app,
        "POST",
        &desk.host,
        "/api/v1/card-payments/renewals",
        &json!({}),
        &desk.token,
    )
    .await;
    assert_eq!(planned.status, 200, "{:?}", planned.json);
    let waiting = "SELECT count(*)::text FROM card_charges
                   WHERE kind = 'renewal' AND payment_intent IS NULL AND failure IS NULL AND charge_after <= now()";
    until_reads(app, &desk.tenant, waiting, "0").await;
    planned.json
}

async fn renewed(app: &TestApp, tenant: &Arc<Tenant>, membership: i64) -> i64 {
    scalar(
        app,
        tenant,
        &format!("SELECT id FROM memberships WHERE previous_id = {membership}"),
    )
    .await
}

/// Makes the next retry due now.
async fn retry_now(app: &TestApp, tenant: &Arc<Tenant>) {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query("UPDATE card_charges SET charge_after = now() WHERE payment_intent IS NULL AND failure IS NULL")
        .execute(tx.conn().await.expect("conn"))
        .await
        .expect("due now");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_declined_renewal_is_retried_in_grace_then_given_up_with_a_mail_each_time() {
    let (sink, stripe, app) = card_app().await;
    let desk = desk(&app, "card-renew").await;
    set_up_keys(&app, &desk, SECRET).await;
    let (_, membership) = subscriber(&app, &stripe, &desk, "rene@card.test", DECLINED_CARD).await;

    let planned = run_renewals(&app, &desk).await;
    assert_eq!(
        (planned["renewed"].as_i64(), planned["charges"].as_i64()),
        (Some(1), Some(1))
    );
    let next = renewed(&app, &desk.tenant, membership).await;
    let first = mail_for(&sink, "refusé").await;
    assert!(first.text.contains("45,00"), "{}", first.text);
    assert!(
        first.text.contains("Nous réessaierons le"),
        "{}",
        first.text
    );
    assert!(
        first.text.contains("/membership/card-payments"),
        "{}",
        first.text
    );
    assert_eq!(membership_status(&app, &desk, next).await, "grace");

    retry_now(&app, &desk.tenant).await;
    run_renewals(&app, &desk).await;
    assert_eq!(membership_status(&app, &desk, next).await, "grace");
    retry_now(&app, &desk.tenant).await;
    run_renewals(&app, &desk).await;
    let failed = format!(
        "SELECT count(*)::text FROM payments p JOIN payment_allocations a ON a.payment_id = p.id
         WHERE a.membership_id = {next} AND p.status = 'failed'"
    );
    until_reads(&app, &desk.tenant, &failed, "3").await;
    let pending = format!(
        "SELECT count(*) FROM payments p JOIN payment_allocations a ON a.payment_id = p.id
         WHERE a.membership_id = {next} AND p.status = 'pending'"
    );
    assert_eq!(scalar(&app, &desk.tenant, &pending).await, 0);
    let last = mail_for(&sink, "ne réessaierons pas").await;
    assert!(
        last.text.contains("/membership/card-payments"),
        "{}",
        last.text
    );
    let given_up = membership_status(&app, &desk, next).await;
    assert!(
        !["grace", "current", "new"].contains(&given_up.as_str()),
        "{given_up}"
    );
    // Three attempts, three mails about it.
    let declined = sink
        .mails()
        .iter()
        .filter(|m| m.text.contains("refusé"))
        .count();
    assert_eq!(declined, 3);
}

#[tokio::test]
async fn a_new_card_given_through_the_link_is_charged_at_once() {
    let (sink, stripe, app) = card_app().await;
    let desk = desk(&app, "card-rescue").await;
    set_up_keys(&app, &desk, SECRET).await;
    let (token, membership) =
        subscriber(&app, &stripe, &desk, "lea@card.test", DECLINED_CARD).await;
    run_renewals(&app, &desk).await;
    let next = renewed(&app, &desk.tenant, membership).await;
    mail_for(&sink, "refusé").await;
    assert_eq!(membership_status(&app, &desk, next).await, "grace");

    let update = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/me/card/update",
        &json!({}),
        &token,
    )
    .await;
    let url = update.json["redirect_url"].as_str().expect("url");
    deliver_all(
        &app,
        &desk,
        &pay_on_stripe(&stripe, url, "5555555555554444").await,
    )
    .await;
    let paid = format!(
        "SELECT count(*)::text FROM payments p JOIN payment_allocations a ON a.payment_id = p.id
         WHERE a.membership_id = {next} AND p.status = 'paid'"
    );
    until_reads(&app, &desk.tenant, &paid, "1").await;
    assert_eq!(membership_status(&app, &desk, next).await, "current");
}
