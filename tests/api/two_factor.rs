//! Two-step sign-in through the pages: enrol with the QR code's secret,
//! sign in with a code, refuse a replayed code, sign in with a recovery
//! code once, turn it off with password and code. And the sessions of
//! one person: listed, ended one by one or everywhere else.

use tessera::auth::Role;

use crate::account_flow::code;
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_app;

const PASSWORD: &str = "deux étapes valent mieux";

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).expect("start marker") + start.len();
    let rest = &body[from..];
    &rest[..rest.find(end).expect("end marker")]
}

async fn sign_in<'a>(browser: &mut Browser<'a>, email: &str) -> crate::helpers::browser::Page {
    browser
        .post(
            "/accounts/login/",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/accounts/sessions/"),
            ],
        )
        .await
}

#[tokio::test]
async fn enrol_then_sign_in_with_a_code_and_with_a_recovery_code() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("totp", "Chorale du port").await;
    let email = "marin@example.org";
    let id = create_account(&app, &tenant, email, PASSWORD, Role::Member).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, id, Role::Member).await;

    let page = browser.post("/accounts/2fa/setup", &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "the QR code is inline SVG");
    let secret = between(&page.body, "<code class=\"secret\">", "</code>").to_owned();
    let page = browser
        .post("/accounts/2fa/confirm", &[("code", "000000")])
        .await;
    assert_eq!(page.status, 422, "a wrong code does not turn it on");
    let page = browser
        .post("/accounts/2fa/confirm", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(page.status, 200);
    let codes: Vec<String> = page
        .body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split("</code>").next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(codes.len(), 10, "ten recovery codes");

    // A password alone no longer signs in: it leads to the second step.
    let mut phone = Browser::new(&app, &tenant).await;
    let page = sign_in(&mut phone, email).await;
    assert_eq!(page.status, 303);
    assert!(
        page.location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/accounts/login/2fa/")
    );
    assert_eq!(
        phone.get("/accounts/profile/").await.status,
        303,
        "not signed in yet"
    );
    let page = phone
        .post(
            "/accounts/login/2fa/",
            &[("code", "123456"), ("next", "/accounts/sessions/")],
        )
        .await;
    assert_eq!(page.status, 401);
    let code = code(&secret, 1);
    let page = phone
        .post(
            "/accounts/login/2fa/",
            &[("code", &code), ("next", "/accounts/sessions/")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/accounts/sessions/"));
    assert_eq!(phone.get("/accounts/profile/").await.status, 200);

    // The same code again (another browser) is refused: no replay.
    let mut replay = Browser::new(&app, &tenant).await;
    sign_in(&mut replay, email).await;
    let page = replay
        .post("/accounts/login/2fa/", &[("code", &code)])
        .await;
    assert_eq!(page.status, 401, "a code works once");
    // A recovery code works, once.
    let page = replay
        .post(
            "/accounts/login/2fa/",
            &[("code", &codes[0].to_uppercase())],
        )
        .await;
    assert_eq!(page.status, 303);
    let mut again = Browser::new(&app, &tenant).await;
    sign_in(&mut again, email).await;
    let page = again
        .post("/accounts/login/2fa/", &[("code", &codes[0])])
        .await;
    assert_eq!(page.status, 401, "a recovery code works once");

    // Turning it off needs the password and a code.
    let page = phone
        .post(
            "/accounts/2fa/disable",
            &[("password", PASSWORD), ("code", "000000")],
        )
        .await;
    assert_eq!(page.status, 401);
    let page = phone
        .post(
            "/accounts/2fa/disable",
            &[("password", PASSWORD), ("code", &codes[1])],
        )
        .await;
    assert_eq!(page.status, 303);
    let mut plain = Browser::new(&app, &tenant).await;
    let page = sign_in(&mut plain, email).await;
    assert_eq!(
        page.location.as_deref(),
        Some("/accounts/sessions/"),
        "password alone again"
    );

    let mut tx = app.tenant_tx(&tenant).await;
    let filter = tessera::audit::Filter {
        action: Some("2fa".into()),
        limit: 10,
        ..Default::default()
    };
    let actions: Vec<String> = tessera::audit::list(&mut tx, &filter)
        .await
        .expect("audit")
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["2fa.disabled", "2fa.enabled"]);
}

#[tokio::test]
async fn the_second_step_needs_the_first() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("totp-skip", "Skip").await;
    let mut browser = Browser::new(&app, &tenant).await;
    let page = browser.get("/accounts/login/2fa/").await;
    assert_eq!(
        page.status, 303,
        "no pending sign-in: back to the first step"
    );
    let page = browser
        .post("/accounts/login/2fa/", &[("code", "123456")])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(page.location.as_deref(), Some("/accounts/login/"));
}

#[tokio::test]
async fn sessions_are_listed_and_ended_one_by_one_or_everywhere_else() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("sessions", "Sessions").await;
    let email = "nomade@example.org";
    create_account(&app, &tenant, email, PASSWORD, Role::Member).await;
    let mut devices = Vec::new();
    for _ in 0..3 {
        let mut device = Browser::new(&app, &tenant).await;
        assert_eq!(sign_in(&mut device, email).await.status, 303);
        devices.push(device);
    }
    let page = devices[0].get("/accounts/sessions/").await;
    assert_eq!(page.status, 200);
    let ids: Vec<String> = page
        .body
        .split("name=\"id\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        ids.len(),
        2,
        "the two other devices, each with a sign-out button"
    );

    let page = devices[0]
        .post("/accounts/sessions/end", &[("id", &ids[0])])
        .await;
    assert_eq!(page.status, 303);
    let mut signed_in = 0;
    for device in &mut devices[1..] {
        if device.get("/accounts/profile/").await.status == 200 {
            signed_in += 1;
        }
    }
    assert_eq!(signed_in, 1, "one device signed out");

    let page = devices[0].post("/accounts/sessions/end-others", &[]).await;
    assert_eq!(page.status, 303);
    for device in &mut devices[1..] {
        assert_eq!(
            device.get("/accounts/profile/").await.status,
            303,
            "signed out everywhere else"
        );
    }
    assert_eq!(
        devices[0].get("/accounts/profile/").await.status,
        200,
        "but not here"
    );
    // Another person's session id cannot be ended from this account.
    let page = devices[0]
        .post("/accounts/sessions/end", &[("id", &"ab".repeat(32))])
        .await;
    assert_eq!(page.status, 404);
}
