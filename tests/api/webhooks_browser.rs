//! The webhook pages in a real browser (headless Chromium at 360 px, no
//! JavaScript of ours): an administrator adds an endpoint with a long
//! address by ticking a box, copies the secret, sends a test event and
//! sees it delivered; no page scrolls sideways. Screenshots are kept under
//! `target/screenshots/webhooks-*.png`.

use fantoccini::{Client, Locator};
use tessera::auth::Role;

use crate::api_auth::PASSWORD;
use crate::browser::{browser, overflows, sign_in, start_chromedriver, tempdir};
use crate::webhooks_fixture::{Receiver, app, drain, person};

/// Keeps a screenshot of the page shown; says whether it overflows.
async fn shot(client: &Client, name: &str) -> Option<String> {
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(shots.join(format!("webhooks-{name}-360.png")), png).expect("saved");
    overflows(client).await.then(|| name.to_owned())
}

async fn click(client: &Client, css: &str) {
    let element = client.find(Locator::Css(css)).await.expect(css);
    element.click().await.expect(css);
}

#[tokio::test]
async fn the_webhook_pages_fit_a_phone_and_work_without_javascript() {
    let app = app(true).await;
    let (tenant, _) = app
        .create_tenant("wh-chromium", "Association Sportive")
        .await;
    person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-webhooks");
    let client = browser(&driver, 360, 2000, &profile).await;
    sign_in(&client, &base, "admin@example.org", PASSWORD).await;
    let signed_in = Locator::Css("form[action='/accounts/logout/']");
    client
        .wait()
        .for_element(signed_in)
        .await
        .expect("signed in");
    let mut narrow = Vec::new();

    client
        .goto(&format!("{base}/staff/webhooks"))
        .await
        .expect("list");
    narrow.extend(shot(&client, "empty").await);
    let url = receiver.url("a-rather-long-path-for-the-accounting-software-integration");
    let field = client.find(Locator::Id("f-url")).await.expect("url");
    field.send_keys(&url).await.expect("typed");
    click(&client, "input[value='commission.*']").await;
    click(
        &client,
        "form[action='/staff/webhooks'] button[type=submit]",
    )
    .await;
    let secret = client
        .wait()
        .for_element(Locator::Id("secret"))
        .await
        .expect("the secret");
    assert!(secret.text().await.expect("text").starts_with("whsec_"));
    narrow.extend(shot(&client, "secret").await);

    click(&client, "a.button--accent").await;
    click(&client, "form[action$='/test'] button").await;
    client
        .wait()
        .for_element(Locator::Css(".flash"))
        .await
        .expect("told");
    drain(&app).await;
    client.refresh().await.expect("reloaded");
    let delivered = client
        .find(Locator::Css("#deliveries .badge--active"))
        .await;
    assert!(delivered.is_ok(), "the test event is shown delivered");
    narrow.extend(shot(&client, "endpoint").await);
    client
        .goto(&format!("{base}/staff/webhooks"))
        .await
        .expect("list");
    narrow.extend(shot(&client, "list").await);
    assert!(narrow.is_empty(), "wider than 360 px: {narrow:?}");
    assert_eq!(receiver.received().len(), 1);
    client.close().await.expect("closed");
}
