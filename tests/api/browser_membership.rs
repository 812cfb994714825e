//! The member pages of contributions in headless Chromium at 360 px: the
//! plan choice, the join form, the quote, how to pay and my membership all
//! fit a phone (no horizontal overflow), with plain forms and no script.

use fantoccini::{Client, Locator};
use serde_json::json;
use tessera::auth::Role;

use crate::browser::{browser, overflows, sign_in, start_chromedriver, tempdir};
use crate::contributions_member::plan;
use crate::helpers::browser::create_account;
use crate::helpers::spawn_isolated_app;

async fn submit(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .click()
        .await
        .expect("clicked");
}

/// Keeps what the page looks like under `target/screenshots/`.
async fn shoot(client: &Client, name: &str) {
    let out = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(out.join(format!("membership-{name}-360.png")), png).unwrap();
}

async fn arrive(client: &Client, expected: &str) {
    let started = std::time::Instant::now();
    loop {
        let path = client.current_url().await.expect("url").path().to_owned();
        if path == expected {
            return;
        }
        assert!(
            started.elapsed().as_secs() < 10,
            "stuck on {path}, expected {expected}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_membership_pages_fit_a_phone() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app
        .create_tenant("phonejoin", "Association des Jardins Partagés")
        .await;
    let plan_id = plan(
        &app,
        &tenant,
        json!({"name": "Adhésion saison avec un nom assez long pour un téléphone", "period": "yearly",
               "pro_rata": "monthly", "max_instalments": 3, "household_cap_minor": 7000,
               "description": "De septembre à août, pour toute la famille.",
               "tiers": [{"code": "standard", "label": "Plein tarif", "amount_minor": 3000},
                         {"code": "reduced", "label": "Tarif réduit", "amount_minor": 1500}]}),
    )
    .await;
    let email = "ines.moreau@example.org";
    let password = "lire au jardin le dimanche";
    create_account(&app, &tenant, email, password, Role::Member).await;
    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-membership");
    let client = browser(&driver, 360, 800, &profile).await;
    let mut narrow = Vec::new();

    sign_in(&client, &base, email, password).await;
    arrive(&client, "/accounts/profile/").await;

    for path in [
        "/membership/plans".to_owned(),
        "/membership/join".to_owned(),
        format!("/membership/join?plan={plan_id}"),
    ] {
        client.goto(&format!("{base}{path}")).await.expect("page");
        if path.contains("?plan=") {
            shoot(&client, "join").await;
        }
        if overflows(&client).await {
            narrow.push(path);
        }
    }
    client
        .find(Locator::Id("f-tier-reduced"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(&client, "form.form button[type=submit]").await;
    client
        .wait()
        .for_element(Locator::Css(".quote-total"))
        .await
        .expect("the quote");
    shoot(&client, "quote").await;
    if overflows(&client).await {
        narrow.push("quote".into());
    }
    submit(&client, "form.form button[type=submit]").await;
    arrive(&client, "/membership/pay").await;
    shoot(&client, "pay").await;
    if overflows(&client).await {
        narrow.push("/membership/pay".into());
    }
    client.goto(&format!("{base}/membership")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("[data-status=pending]"))
        .await
        .expect("my membership");
    shoot(&client, "mine").await;
    if overflows(&client).await {
        narrow.push("/membership".into());
    }
    client.close().await.ok();
    assert!(narrow.is_empty(), "too wide at 360 px: {narrow:?}");
}
