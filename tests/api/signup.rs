//! Self-service sign-up on the platform host: the slug check (as JSON and
//! with the no-JavaScript button), refusals that create nothing, the
//! confirmation mail, a portal live only after the address is confirmed,
//! one portal per link, limits per client address, the honeypot; then the
//! whole path in headless Chromium at 360 px, to a signed-in administrator.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::account_flow::{link_path, mailing_config, nth_mail};
use crate::browser::{browser, overflows, start_chromedriver, tempdir};
use crate::browser_accounts::{fill, wait_for};
use crate::helpers::console::{Console, HOST_NAME};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{TestApp, migrated_database, spawn_app_with, unique_slug};

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

async fn slug_status(app: &TestApp, slug: &str) -> serde_json::Value {
    let url = format!("http://{}/signup/slug?slug={slug}", app.addr);
    let response = app
        .http
        .get(url)
        .header("host", HOST_NAME)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn fields<'a>(name: &'a str, slug: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("slug", slug),
        ("email", email),
        ("theme", "default"),
        ("primary", "#205080"),
        ("accent", "#e8a33d"),
        ("accept", "1"),
        ("website", ""),
        ("action", "create"),
    ]
}

#[tokio::test]
async fn an_association_signs_up_confirms_and_its_portal_is_live() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let (existing, _) = app.create_tenant("club", "Existing Club").await;
    let mut visitor = Console::new(&app).await;

    let form = visitor.get("/signup").await;
    assert_eq!(form.status, 200, "the sign-up form needs no sign-in");
    assert_eq!(
        slug_status(&app, existing.slug.as_str()).await["status"],
        "taken"
    );
    assert_eq!(slug_status(&app, "admin").await["status"], "reserved");
    assert_eq!(slug_status(&app, "c0nsole").await["status"], "reserved");
    let alike = existing.slug.as_str().replace('l', "1");
    assert_eq!(slug_status(&app, &alike).await["status"], "look_alike");
    assert_eq!(slug_status(&app, "-bad-").await["status"], "invalid");
    let slug = unique_slug("amap").to_string();
    let free = slug_status(&app, &slug).await;
    assert_eq!(free["status"], "available");

    // Without JavaScript: the check button answers on the page.
    let checked = visitor
        .post(
            "/signup",
            &[("slug", existing.slug.as_str()), ("action", "check")],
        )
        .await;
    assert_eq!(checked.status, 200);
    assert!(checked.body.contains("Already taken") || checked.body.contains("Déjà prise"));

    let refused = visitor
        .post(
            "/signup",
            &[
                ("name", "A"),
                ("slug", "admin"),
                ("email", "nope"),
                ("theme", "default"),
                ("action", "create"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        count(&app, "SELECT count(*) FROM platform.signups").await,
        0
    );

    let tenants_before = count(&app, "SELECT count(*) FROM platform.tenants").await;
    let sent = visitor
        .post(
            "/signup",
            &fields("AMAP des Lilas", &slug, "tresoriere@lilas.example"),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_eq!(
        count(&app, "SELECT count(*) FROM platform.tenants").await,
        tenants_before,
        "a tenant before the address was confirmed"
    );
    let host = format!("{slug}.localhost");
    assert_eq!(app.get(&host, "/").await.status(), 404);

    let mail = nth_mail(&sink, 1).await;
    assert_eq!(mail.to, "tresoriere@lilas.example");
    let queued: Option<String> = sqlx::query_scalar(
        "SELECT payload->'data'->>'link' FROM platform.jobs
         WHERE kind = 'platform.mail' AND payload->>'to' = $1",
    )
    .bind("tresoriere@lilas.example")
    .fetch_optional(app.pool())
    .await
    .unwrap();
    assert!(
        queued.is_some_and(|l| l.contains("/signup/confirm/")),
        "the mail job is not kept"
    );
    let confirm = link_path(&mail);
    assert!(confirm.starts_with("/signup/confirm/"), "{confirm}");
    let page = visitor.get(&confirm).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        app.get(&host, "/").await.status(),
        404,
        "following the link alone created the portal"
    );

    let started = Instant::now();
    let live = visitor.post(&confirm, &[]).await;
    assert_eq!(live.status, 200, "{}", live.body);
    assert!(
        app.wait_for_home(&host, Duration::from_secs(5), |s, b| s == 200
            && b.contains("AMAP des Lilas"))
            .await
    );
    eprintln!("sign-up to live: {:?}", started.elapsed());
    assert!(live.body.contains("id=\"invitation-link\""));
    let again = visitor.post(&confirm, &[]).await;
    assert_eq!(again.status, 200);
    assert!(
        !again.body.contains("id=\"invitation-link\""),
        "a second click made a second invitation"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM platform.tenants").await,
        tenants_before + 1
    );
    let audit = count(
        &app,
        "SELECT count(*) FROM platform.audit_log WHERE via = 'signup'",
    )
    .await;
    assert!(audit >= 1, "the creation is not audited as a sign-up");
    assert_eq!(visitor.get("/signup/confirm/not-a-token").await.status, 410);
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_and_the_honeypot_creates_nothing() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let mut bot = Console::new(&app).await;
    let slug = unique_slug("bot").to_string();
    let mut trap = fields("Bot Club", &slug, "bot@spam.example");
    trap.retain(|(name, _)| *name != "website");
    trap.push(("website", "http://spam.example"));
    let page = bot.post("/signup", &trap).await;
    assert_eq!(page.status, 200, "the honeypot must not tell the bot");
    assert_eq!(
        count(&app, "SELECT count(*) FROM platform.signups").await,
        0
    );

    // Three requests per mailbox an hour…
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let slug = unique_slug("same").to_string();
        statuses.push(
            bot.post("/signup", &fields("Same Club", &slug, "same@one.example"))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    // …and five per client address, whatever the mailbox.
    let mut statuses = Vec::new();
    for n in 0..3 {
        let slug = unique_slug("many").to_string();
        let email = format!("person{n}@many.example");
        statuses.push(
            bot.post("/signup", &fields("Many Clubs", &slug, &email))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(
        count(&app, "SELECT count(*) FROM platform.signups").await,
        5
    );
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .click()
        .await
        .expect("clicked");
}

#[tokio::test]
async fn sign_up_in_chromium_to_a_live_portal() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let port = app.addr.port();
    let driver = start_chromedriver();
    let profile = tempdir("chromium-signup");
    let client = browser(&driver, 360, 800, &profile).await;
    let slug = unique_slug("velo").to_string();
    let mut narrow = Vec::new();

    client
        .goto(&format!("http://{HOST_NAME}:{port}/signup"))
        .await
        .expect("sign-up page");
    fill(&client, "name", "Vélo Club des Lilas").await;
    fill(&client, "slug", &slug).await;
    // The script checks the slug as it is typed.
    let status = wait_for(&client, "#slug-status").await;
    let started = Instant::now();
    while !status
        .text()
        .await
        .unwrap_or_default()
        .contains(&format!("{slug}.localhost"))
    {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the slug was never checked"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    fill(&client, "email", "president@velo.example").await;
    click(&client, "#f-accept").await;
    if overflows(&client).await {
        narrow.push("form");
    }
    click(&client, "button[value=create]").await;
    wait_for(&client, "main h1").await;

    let mail = nth_mail(&sink, 1).await;
    client
        .goto(&format!("http://{HOST_NAME}:{port}{}", link_path(&mail)))
        .await
        .expect("confirm page");
    click(&client, "main form button[type=submit]").await;
    let invitation = wait_for(&client, "#invitation-link").await;
    if overflows(&client).await {
        narrow.push("live");
    }
    let href = invitation
        .attr("href")
        .await
        .unwrap()
        .expect("invitation href");
    let path = &href[href.find("/accounts/").expect("an invitation path")..];
    client
        .goto(&format!("http://{slug}.localhost:{port}{path}"))
        .await
        .expect("invitation");
    fill(&client, "password", "les lilas à vélo le samedi").await;
    click(&client, "main form button[type=submit]").await;
    let started = Instant::now();
    loop {
        let url = client.current_url().await.expect("url");
        if url.host_str() == Some(&format!("{slug}.localhost"))
            && !url.path().starts_with("/accounts/invitation")
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "stuck on {url}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = client.source().await.expect("page");
    assert!(body.contains("Vélo Club des Lilas"));
    client.close().await.expect("closed");
    assert!(narrow.is_empty(), "pages wider than 360 px: {narrow:?}");
}
