//! A treasurer's payment typed without a network: the service worker keeps
//! it, sends it when the server answers again, and it is stored once,
//! however many times it is sent. Over plain HTTP first: the desk form
//! sent twice records one payment.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use tessera::auth::Role;

use crate::api_auth::PASSWORD;
use crate::browser::{browser, sign_in, start_chromedriver, tempdir};
use crate::browser_accounts::wait_for;
use crate::contributions_desk::scalar;
use crate::contributions_receipts_fixture::member;
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::{migrated_database, spawn_app, spawn_app_with, test_config};
use crate::pwa_browser::worker_controls;

#[tokio::test]
async fn the_desk_form_sent_twice_records_one_payment() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-once", "Une Fois").await;
    let payer = member(&app, &tenant, "paul@example.org", "Paul Payeur").await;
    let treasurer = create_account(&app, &tenant, "t@example.org", PASSWORD, Role::Treasurer).await;
    let mut desk = Browser::signed_in_as(&app, &tenant, treasurer, Role::Treasurer).await;
    let form = desk
        .get(&format!("/treasury/payments/new?payer={payer}"))
        .await;
    let key = form
        .body
        .split("name=\"idempotency_key\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form carries a key")
        .to_owned();
    let payer_id = payer.to_string();
    let fields = [
        ("idempotency_key", key.as_str()),
        ("payer", payer_id.as_str()),
        ("amount", "17,50"),
        ("method", "cash"),
        ("received_on", "2026-12-01"),
        ("note", ""),
    ];
    let first = desk.post("/treasury/payments/new", &fields).await;
    assert_eq!(first.status, 303, "{}", first.body);
    let again = desk.post("/treasury/payments/new", &fields).await;
    assert_eq!(again.status, 303);
    assert_eq!(first.location, again.location);
    let count = "SELECT count(*) FROM payments WHERE amount_minor = 1750";
    assert_eq!(scalar(&app, &tenant, count).await, 1);
    // The same key with other fields is refused, and records nothing.
    let mut other = fields;
    other[2] = ("amount", "99,00");
    let refused = desk.post("/treasury/payments/new", &other).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM payments").await,
        1
    );
}

#[tokio::test]
async fn a_payment_typed_offline_is_stored_once_after_reconnecting() {
    let options = migrated_database().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut config = test_config();
    config.http.port = port;
    let app = spawn_app_with(options.clone(), config.clone()).await;
    let (tenant, _) = app.create_tenant("desk-offline", "Hors Ligne").await;
    let payer = member(&app, &tenant, "paula@example.org", "Paula Payeuse").await;
    let email = "tresorier@example.org";
    create_account(&app, &tenant, email, PASSWORD, Role::Treasurer).await;
    let base = format!("http://{}:{port}", tenant.default_host);
    let driver = start_chromedriver();
    let profile = tempdir("chromium-desk-offline");
    let client = browser(&driver, 360, 800, &profile).await;
    sign_in(&client, &base, email, PASSWORD).await;
    wait_for(&client, "body").await;
    assert!(
        worker_controls(&client).await,
        "the service worker never took control"
    );
    client
        .goto(&format!("{base}/treasury/payments/new?payer={payer}"))
        .await
        .expect("the desk form");
    wait_for(&client, "#f-amount").await;

    // The network goes.
    let tenant_for_count = tenant.clone();
    drop(app);
    tokio::time::sleep(Duration::from_millis(300)).await;
    client
        .find(Locator::Id("f-amount"))
        .await
        .unwrap()
        .send_keys("23,40")
        .await
        .unwrap();
    client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let saved = wait_for(&client, "[data-offline-saved]").await;
    assert!(saved.text().await.unwrap().contains("sera envoyé"));

    // It comes back: any page loaded online sends what was kept.
    let app = spawn_app_with(options, config).await;
    let count = "SELECT count(*) FROM payments WHERE amount_minor = 2340";
    let started = Instant::now();
    loop {
        client
            .goto(&format!("{base}/membership/card"))
            .await
            .expect("a page online");
        tokio::time::sleep(Duration::from_millis(300)).await;
        if scalar(&app, &tenant_for_count, count).await == 1 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never sent");
    }
    // Sent again (the worker lost track, a second tab): still one.
    for _ in 0..2 {
        client.refresh().await.expect("reload");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(scalar(&app, &tenant_for_count, count).await, 1);
    let _ = client.close().await;
}
