//! The account flow once in a real browser (headless Chromium at 360 px):
//! sign up, confirm from the real mail, sign in, turn on two-step sign-in
//! with the code of an authenticator, sign out, sign in with a code. No
//! JavaScript of ours runs: plain forms, cookies and redirects. Every page
//! fits a phone.

use fantoccini::{Client, Locator};

use crate::account_flow::{code, link_path, mailing_config, nth_mail};
use crate::browser::{browser, overflows, start_chromedriver, tempdir};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{migrated_database, spawn_app_with};

pub async fn fill(client: &Client, field: &str, value: &str) {
    let input = client
        .find(Locator::Id(&format!("f-{field}")))
        .await
        .expect("field");
    input.send_keys(value).await.expect("typed");
}

async fn submit(client: &Client, form: &str) {
    let button = client
        .find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .expect("submit button");
    button.click().await.expect("clicked");
}

/// Waits until the browser shows `expected` (after a form's redirect).
async fn arrive(client: &Client, expected: &str) {
    let started = std::time::Instant::now();
    loop {
        let path = client.current_url().await.expect("url").path().to_owned();
        if path == expected {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "stuck on {path}, expected {expected}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .for_element(Locator::Css(css))
        .await
        .expect(css)
}

#[tokio::test]
async fn a_person_joins_and_signs_in_with_two_steps_in_chromium() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let (tenant, _) = app.create_tenant("chromium", "Club de lecture").await;
    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-accounts");
    let client = browser(&driver, 360, 800, &profile).await;
    let mut narrow = Vec::new();
    let email = "ines.moreau@example.org";
    let password = "lire au jardin le dimanche";

    client
        .goto(&format!("{base}/accounts/signup/"))
        .await
        .expect("signup page");
    fill(&client, "display_name", "Inès Moreau").await;
    fill(&client, "email", email).await;
    fill(&client, "password", password).await;
    if overflows(&client).await {
        narrow.push("signup");
    }
    submit(&client, "form.form").await;
    wait_for(&client, "p.flash--success").await;

    let mail = nth_mail(&sink, 1).await;
    client
        .goto(&format!("{base}{}", link_path(&mail)))
        .await
        .expect("verify link");
    arrive(&client, "/accounts/login/").await;
    fill(&client, "email", email).await;
    fill(&client, "password", password).await;
    if overflows(&client).await {
        narrow.push("login");
    }
    submit(&client, "form.form").await;
    // Signed in: the browser kept the `__Host-` session cookie.
    arrive(&client, "/accounts/profile/").await;
    if overflows(&client).await {
        narrow.push("profile");
    }

    client
        .goto(&format!("{base}/accounts/2fa/"))
        .await
        .expect("2fa page");
    submit(&client, "main form").await;
    let secret = wait_for(&client, "code.secret")
        .await
        .text()
        .await
        .expect("text");
    if overflows(&client).await {
        narrow.push("2fa enrolment");
    }
    fill(&client, "code", &code(&secret, 0)).await;
    submit(&client, "form.form").await;
    wait_for(&client, "ol.codes").await;
    let codes = client
        .find_all(Locator::Css("ol.codes li"))
        .await
        .expect("codes");
    assert_eq!(codes.len(), 10, "recovery codes shown");

    submit(&client, "form.inline-form").await;
    arrive(&client, "/").await;
    client
        .goto(&format!("{base}/accounts/login/"))
        .await
        .expect("login page");
    fill(&client, "email", email).await;
    fill(&client, "password", password).await;
    submit(&client, "form.form").await;
    arrive(&client, "/accounts/login/2fa/").await;
    fill(&client, "code", &code(&secret, 1)).await;
    submit(&client, "form.form").await;
    arrive(&client, "/accounts/profile/").await;
    client
        .goto(&format!("{base}/accounts/sessions/"))
        .await
        .expect("sessions");
    if overflows(&client).await {
        narrow.push("sessions");
    }
    client.close().await.expect("browser closed");
    assert!(narrow.is_empty(), "pages wider than 360 px: {narrow:?}");
}

#[tokio::test]
async fn the_staff_pages_fit_a_phone() {
    let app = crate::helpers::spawn_app().await;
    let (tenant, _) = app
        .create_tenant("chromium-staff", "Amicale des Écluses")
        .await;
    let password = "gérer les membres depuis un téléphone";
    let admin = "admin.ecluses@example.org";
    crate::helpers::browser::create_account(
        &app,
        &tenant,
        admin,
        password,
        tessera::auth::Role::Admin,
    )
    .await;
    for n in 0..12 {
        let email =
            format!("membre.{n}.avec.une.adresse.longue@association-des-ecluses.example.org");
        crate::helpers::browser::create_account(
            &app,
            &tenant,
            &email,
            password,
            tessera::auth::Role::Member,
        )
        .await;
    }
    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-staff");
    let client = browser(&driver, 360, 800, &profile).await;
    client
        .goto(&format!("{base}/accounts/login/"))
        .await
        .expect("login page");
    fill(&client, "email", admin).await;
    fill(&client, "password", password).await;
    submit(&client, "form.form").await;
    arrive(&client, "/accounts/profile/").await;
    let mut narrow = Vec::new();
    for path in [
        "/staff/",
        "/staff/members/",
        "/staff/invite/",
        "/staff/audit/",
        "/staff/settings/signup/",
        "/staff/api-keys/",
        "/staff/oauth-clients/",
        "/accounts/2fa/",
        "/accounts/privacy/",
        "/directory",
        "/staff/privacy/register",
    ] {
        client.goto(&format!("{base}{path}")).await.expect("page");
        let title = client.title().await.expect("title");
        assert!(
            !title.contains("404") && !title.contains("403"),
            "{path}: {title}"
        );
        if overflows(&client).await {
            narrow.push(path);
        }
    }
    client.close().await.expect("browser closed");
    assert!(narrow.is_empty(), "pages wider than 360 px: {narrow:?}");
}
