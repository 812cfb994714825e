//! Stripe Connect: an association linked by the operator to its connected
//! account pays through the platform's key, and its events, sent to the
//! platform host's one endpoint with the platform's Connect secret, reach
//! its schema by their `account` — not another association's, not without
//! the right signature, and never through its own host.

use serde_json::{Value, json};
use tessera::card_payments::connect;

use crate::account_flow::mailing_config;
use crate::card_payments::{deliver, member_owing, pay_on_stripe, until_reads};
use crate::contributions_fixture::{desk, get, scalar, send};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::stripe::{LocalStripe, SECRET_KEY};
use crate::helpers::{migrated_database, spawn_app_with};

const PLATFORM_SECRET: &str = "whsec_platform_connect";

#[tokio::test]
async fn a_connected_accounts_events_reach_its_association_through_the_platform_host() {
    let _sink = SmtpSink::start();
    let stripe = LocalStripe::start().await;
    let mut config = mailing_config(&_sink);
    stripe.configure(&mut config);
    config.stripe.connect_secret_key = Some(SECRET_KEY.to_owned().into());
    config.stripe.connect_webhook_secret = Some(PLATFORM_SECRET.to_owned().into());
    let platform_host = config.platform_host.to_string();
    let app = spawn_app_with(migrated_database().await, config).await;
    let a = desk(&app, "connect-a").await;
    let b = desk(&app, "connect-b").await;
    connect::link(&app.state.db, a.tenant.clone(), "acct_1TesseraA", false)
        .await
        .expect("linked");
    let taken = connect::link(&app.state.db, b.tenant.clone(), "acct_1TesseraA", false).await;
    assert!(taken.is_err(), "an account belongs to one association");
    assert_eq!(
        scalar(&app, &b.tenant, "SELECT count(*) FROM stripe_settings").await,
        0
    );
    let shown = get(&app, &a.host, "/api/v1/card-payments/keys", &a.token).await;
    assert_eq!(shown.json["key_hint"], "acct_1TesseraA");

    let (_, token, membership, _) = member_owing(&app, &a, "carl@connect-a.test").await;
    let path = "/api/v1/me/card-payments/checkout";
    let started = send(&app, "POST", &a.host, path, &json!({}), &token).await;
    assert_eq!(started.status, 200, "{:?}", started.json);
    let payment = started.json["payment_id"].as_i64().expect("payment");
    let url = started.json["redirect_url"].as_str().expect("url");
    let events: Vec<Value> = pay_on_stripe(&stripe, url, "4242424242424242")
        .await
        .into_iter()
        .map(|mut e| {
            e["account"] = json!("acct_1TesseraA");
            e
        })
        .collect();

    // Not on the association's own host, not with another secret.
    assert_eq!(
        deliver(&app, &a.host, PLATFORM_SECRET, &events[0]).await.0,
        400
    );
    assert_eq!(
        deliver(&app, &platform_host, "whsec_nope", &events[0])
            .await
            .0,
        400
    );
    // An account no association has: acknowledged, kept nowhere.
    let mut stranger = events[0].clone();
    stranger["account"] = json!("acct_1Nobody");
    let (status, answer) = deliver(&app, &platform_host, PLATFORM_SECRET, &stranger).await;
    assert_eq!((status, &answer["new"]), (200, &json!(false)));
    assert_eq!(
        scalar(&app, &a.tenant, "SELECT count(*) FROM stripe_events").await,
        0
    );

    for event in &events {
        let (status, answer) = deliver(&app, &platform_host, PLATFORM_SECRET, event).await;
        assert_eq!((status, &answer["new"]), (200, &json!(true)), "{answer:?}");
    }
    let paid = format!("SELECT status FROM payments WHERE id = {payment}");
    until_reads(&app, &a.tenant, &paid, "paid").await;
    let status = get(
        &app,
        &a.host,
        &format!("/api/v1/memberships/{membership}"),
        &a.token,
    )
    .await;
    assert_eq!(status.json["status"], "current");
    assert_eq!(
        scalar(&app, &b.tenant, "SELECT count(*) FROM stripe_events").await,
        0
    );
}
