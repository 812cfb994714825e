//! The notification pages in headless Chromium at 360 px: the list and the
//! preferences (with a device) fit a phone, and « mark all as read » works
//! with plain forms; screenshots are kept under `target/screenshots/`.

use fantoccini::{Client, Locator};
use tessera::auth::Role;
use tessera::notifications::{Audience, Kind};

use crate::api_auth::PASSWORD;
use crate::browser::{browser, overflows, start_chromedriver, tempdir};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{Device, PushService, app, member, send, subscribe};

async fn shoot(client: &Client, name: &str) {
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(out.join(format!("notifications-{name}-360.png")), png).unwrap();
}

async fn sign_in(client: &Client, base: &str, email: &str) {
    client
        .goto(&format!("{base}/accounts/login/"))
        .await
        .unwrap();
    let field = |id| client.find(Locator::Id(id));
    field("f-email")
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    field("f-password")
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    let button = client
        .find(Locator::Css("form.form button[type=submit]"))
        .await;
    button.unwrap().click().await.unwrap();
    until(client, |url, _| url.ends_with("/accounts/profile/")).await;
}

/// Waits (10 s at most) for the browser's page to satisfy `done(url, source)`.
async fn until(client: &Client, done: impl Fn(&str, &str) -> bool) {
    let started = std::time::Instant::now();
    loop {
        let url = client.current_url().await.unwrap().to_string();
        let source = client.source().await.unwrap();
        if done(&url, &source) {
            return;
        }
        assert!(started.elapsed().as_secs() < 10, "stuck on {url}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_notification_pages_fit_a_phone() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app
        .create_tenant("notifphone", "Association des Jardins Partagés")
        .await;
    let email = "ines.moreau@example.org";
    let (ines, token) = member(&app, &tenant, email, Role::Member).await;
    subscribe(&app, &tenant, &token, &Device::new(&service, "phone")).await;
    let long = "Assemblée générale extraordinaire du printemps : ordre du jour, procurations et covoiturage";
    send(&app, &tenant, Kind::Announcements, Audience::Everyone, long).await;
    send(
        &app,
        &tenant,
        Kind::Payments,
        Audience::Account(ines),
        "Paiement reçu",
    )
    .await;

    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-notifications");
    let client = browser(&driver, 360, 800, &profile).await;
    sign_in(&client, &base, email).await;
    for (path, name) in [
        ("/notifications/", "list"),
        ("/notifications/preferences", "preferences"),
    ] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        let body = client.source().await.unwrap();
        assert!(
            body.contains("Paiement reçu") || body.contains("payments-email"),
            "{path}: {body}"
        );
        shoot(&client, name).await;
        assert!(!overflows(&client).await, "{path} overflows at 360 px");
    }
    client
        .goto(&format!("{base}/notifications/"))
        .await
        .unwrap();
    let all = client
        .find(Locator::Css(
            "form[action='/notifications/read-all'] button",
        ))
        .await;
    all.unwrap().click().await.unwrap();
    // Back on the list, nothing unread.
    until(&client, |_, source| !source.contains("notif--unread")).await;
    client.close().await.unwrap();
}
