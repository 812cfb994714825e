//! The desk in a real browser (headless Chromium at 360 px): the dashboard
//! and its chart fit a phone, and a payment is recorded with the keyboard
//! alone — the search has the focus and Enter searches, Enter on a match
//! opens the form, the method has the focus, Tab reaches the amount and
//! Enter records. No JavaScript of ours runs. Screenshots of both are
//! kept under `target/screenshots/desk-*.png`.

use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use tessera::auth::Role;

use crate::browser::{browser, overflows, start_chromedriver, tempdir};
use crate::contributions_desk::{create_plan, paid, scalar};
use crate::contributions_desk_payments::join;
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_app;
use crate::staff::person;

/// Waits until the browser is on `path` (after a form's redirect).
async fn arrive(client: &Client, prefix: &str) -> String {
    let started = Instant::now();
    loop {
        let path = client.current_url().await.expect("url").path().to_owned();
        if path.starts_with(prefix) {
            return path;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "stuck on {path}, expected {prefix}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn type_in(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.expect("field");
    field.send_keys(text).await.expect("typed");
}

async fn focused_id(client: &Client) -> String {
    let element = client.active_element().await.expect("focus");
    element.attr("id").await.expect("id").unwrap_or_default()
}

#[tokio::test]
async fn the_desk_fits_a_phone_and_takes_a_payment_by_keyboard() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-chromium", "Club de voile").await;
    let password = "le vent se lève au large";
    let email = "tresoriere@example.org";
    let treasurer = create_account(&app, &tenant, email, password, Role::Treasurer).await;
    let member = person(&app, &tenant, "Zoé Marin", "zoe@example.org", Role::Member).await;
    let mut http = Browser::signed_in_as(&app, &tenant, treasurer, Role::Treasurer).await;
    let plan = create_plan(&mut http, "Adhésion voile, tarif plein de la saison", "120").await;
    join(&app, &tenant, plan, member).await;
    paid(
        &app,
        &tenant,
        member,
        4_500,
        chrono::Utc::now().date_naive(),
    )
    .await;

    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-desk");
    let client = browser(&driver, 360, 800, &profile).await;
    let mut narrow = Vec::new();

    client
        .goto(&format!("{base}/accounts/login/"))
        .await
        .expect("login");
    type_in(&client, "f-email", email).await;
    type_in(&client, "f-password", password).await;
    type_in(&client, "f-password", &Key::Enter.to_string()).await;
    arrive(&client, "/accounts/").await;

    client
        .goto(&format!("{base}/treasury"))
        .await
        .expect("dashboard");
    client
        .find(Locator::Css("svg.chart rect"))
        .await
        .expect("the chart is drawn");
    if overflows(&client).await {
        narrow.push("dashboard");
    }
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("desk-dashboard-360.png"), png).expect("saved");

    client
        .goto(&format!("{base}/treasury/payments/new"))
        .await
        .expect("record form");
    assert_eq!(focused_id(&client).await, "f-q", "the search has the focus");
    let search = client.active_element().await.expect("focus");
    search
        .send_keys(&format!("zoé{}", Key::Enter))
        .await
        .expect("searched");
    let link = client
        .wait()
        .for_element(Locator::Css(".treasury-matches a"))
        .await
        .expect("a match");
    link.send_keys(&Key::Enter.to_string())
        .await
        .expect("chosen");
    client
        .wait()
        .for_element(Locator::Id("f-amount"))
        .await
        .expect("the form");
    if overflows(&client).await {
        narrow.push("record a payment");
    }
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(shots.join("desk-record-360.png"), png).expect("saved");
    assert_eq!(
        focused_id(&client).await,
        "f-method",
        "the method has the focus"
    );
    let method = client.active_element().await.expect("focus");
    method.send_keys(&Key::Tab.to_string()).await.expect("tab");
    assert_eq!(focused_id(&client).await, "f-amount", "then the amount");
    let amount = client.active_element().await.expect("focus");
    amount
        .send_keys(&format!("45,50{}", Key::Enter))
        .await
        .expect("recorded");
    arrive(&client, "/treasury/payments/").await;
    if overflows(&client).await {
        narrow.push("a payment");
    }
    // The other pages fit too.
    for path in [
        "/treasury/payments".to_owned(),
        format!("/treasury/plans/{plan}"),
        "/treasury/settings".to_owned(),
        format!("/treasury/members/{member}"),
        "/treasury/members/expiring".to_owned(),
        "/treasury/households/new?q=zo".to_owned(),
    ] {
        client.goto(&format!("{base}{path}")).await.expect("page");
        if overflows(&client).await {
            narrow.push("another page");
            eprintln!("overflow at 360 px: {path}");
        }
    }
    client.close().await.expect("browser closed");

    let recorded = "SELECT count(*) FROM payments WHERE amount_minor = 4550 AND method = 'cash'";
    assert_eq!(scalar(&app, &tenant, recorded).await, 1);
    assert!(narrow.is_empty(), "overflow at 360 px: {narrow:?}");
}
