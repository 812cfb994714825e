//! Signing in and out through the pages, as a browser without JavaScript:
//! sessions, cookies, CSRF, throttling, uniform answers, the audit log.

use tessera::auth::Role;

use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_app;

const PASSWORD: &str = "une phrase assez longue";

async fn audit_actions(
    app: &crate::helpers::TestApp,
    tenant: &std::sync::Arc<tessera::tenancy::Tenant>,
) -> Vec<String> {
    let mut tx = app.tenant_tx(tenant).await;
    let filter = tessera::audit::Filter {
        limit: 50,
        ..Default::default()
    };
    let records = tessera::audit::list(&mut tx, &filter).await.expect("audit");
    records.into_iter().map(|r| r.action).collect()
}

#[tokio::test]
async fn a_member_signs_in_sees_the_profile_and_signs_out() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("signin", "Cercle de lecture").await;
    create_account(&app, &tenant, "lea@example.org", PASSWORD, Role::Member).await;
    let mut browser = Browser::new(&app, &tenant).await;

    let page = browser.get("/accounts/profile/").await;
    assert_eq!(page.status, 303, "signed out: sent to sign in");
    assert_eq!(
        page.location.as_deref(),
        Some("/accounts/login/?next=%2Faccounts%2Fprofile%2F")
    );

    let page = browser.get("/accounts/login/").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(
        page.body.contains("name=\"csrf_token\""),
        "the form carries its token"
    );
    let set = page.set_cookies.join("\n");
    assert!(
        set.contains("__Host-visitor=") && set.contains("HttpOnly") && set.contains("Secure"),
        "{set}"
    );

    let page = browser
        .post(
            "/accounts/login/",
            &[
                ("email", "LEA@example.org"),
                ("password", PASSWORD),
                ("next", "/accounts/profile/"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/accounts/profile/"));
    let cookie = page
        .set_cookies
        .iter()
        .find(|c| c.starts_with("__Host-session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains("Domain"), "host-only: {cookie}");

    let page = browser.get("/accounts/profile/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("lea@example.org"));
    let home = browser.get("/").await;
    assert!(
        home.body.contains("/accounts/logout/"),
        "the header offers to sign out"
    );

    let page = browser.post("/accounts/logout/", &[]).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        browser.get("/accounts/profile/").await.status,
        303,
        "signed out"
    );
    let actions = audit_actions(&app, &tenant).await;
    assert!(
        actions.contains(&"login.succeeded".to_owned()),
        "{actions:?}"
    );
    assert!(actions.contains(&"session.ended".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn a_session_id_from_before_sign_in_is_not_kept() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("fixation", "Fixation").await;
    let id = create_account(&app, &tenant, "sam@example.org", PASSWORD, Role::Member).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, id, Role::Member).await;
    let before = browser.session().cloned().expect("session");
    let page = browser
        .post(
            "/accounts/login/",
            &[("email", "sam@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303);
    let after = browser.session().cloned().expect("session");
    assert_ne!(before, after, "a new id at sign-in");
    browser.cookies.insert("__Host-session".into(), before);
    assert_eq!(
        browser.get("/accounts/profile/").await.status,
        303,
        "the old id is dead"
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_addresses_get_the_same_answer_and_are_audited() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("uniform", "Uniform").await;
    create_account(&app, &tenant, "known@example.org", PASSWORD, Role::Member).await;
    let mut browser = Browser::new(&app, &tenant).await;
    let wrong = browser
        .post(
            "/accounts/login/",
            &[
                ("email", "known@example.org"),
                ("password", "not the right one"),
            ],
        )
        .await;
    let unknown = browser
        .post(
            "/accounts/login/",
            &[
                ("email", "nobody@example.org"),
                ("password", "not the right one"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    let message = |body: &str| {
        body.split("flash--error")
            .nth(1)
            .map(|rest| rest.split("</p>").next().unwrap_or_default().to_owned())
    };
    assert_eq!(message(&wrong.body), message(&unknown.body));
    assert!(
        wrong
            .set_cookies
            .iter()
            .all(|c| !c.starts_with("__Host-session"))
    );
    let actions = audit_actions(&app, &tenant).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "login.failed").count(),
        2,
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_sixth_wrong_password_is_throttled_and_other_accounts_are_not() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("throttle", "Throttle").await;
    create_account(&app, &tenant, "target@example.org", PASSWORD, Role::Member).await;
    create_account(&app, &tenant, "other@example.org", PASSWORD, Role::Member).await;
    let mut attacker = Browser::new(&app, &tenant).await;
    for _ in 0..5 {
        let page = attacker
            .post(
                "/accounts/login/",
                &[
                    ("email", "target@example.org"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert_eq!(page.status, 401);
    }
    let page = attacker
        .post(
            "/accounts/login/",
            &[("email", "target@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 429, "even the right password waits");
    assert!(
        page.body.contains("secondes") || page.body.contains("seconds"),
        "says how long"
    );
    let mut other = Browser::new(&app, &tenant).await;
    let page = other
        .post(
            "/accounts/login/",
            &[("email", "other@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 303, "another account is unaffected");
}

#[tokio::test]
async fn a_form_without_its_token_or_from_another_site_is_refused() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("csrf", "Csrf").await;
    let id = create_account(&app, &tenant, "csrf@example.org", PASSWORD, Role::Member).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, id, Role::Member).await;
    let page = browser
        .post_raw("/accounts/profile/", &[("display_name", "Pirate")])
        .await;
    assert_eq!(page.status, 403, "no token");
    let page = browser
        .post_raw(
            "/accounts/profile/",
            &[("csrf_token", "forged"), ("display_name", "Pirate")],
        )
        .await;
    assert_eq!(page.status, 403, "wrong token");
    let token = browser.csrf();
    let request = app
        .http
        .post(browser.url("/accounts/profile/"))
        .header("sec-fetch-site", "same-site")
        .form(&[("csrf_token", token.as_str()), ("display_name", "Pirate")]);
    assert_eq!(
        browser.send(request).await.status,
        403,
        "another subdomain of the same site"
    );
    let page = browser
        .post("/accounts/profile/", &[("display_name", "Honest Name")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let mut tx = app.tenant_tx(&tenant).await;
    let account = tessera::accounts::store::find(&mut tx, id)
        .await
        .expect("find")
        .expect("account");
    assert_eq!(account.display_name, "Honest Name");
}

#[tokio::test]
async fn one_tenant_s_cookie_and_token_mean_nothing_on_another() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("cross-a", "Association A").await;
    let (b, _) = app.create_tenant("cross-b", "Association B").await;
    let in_a = create_account(&app, &a, "same@example.org", PASSWORD, Role::Admin).await;
    create_account(
        &app,
        &b,
        "same@example.org",
        "a different phrase for b",
        Role::Member,
    )
    .await;
    let mut on_a = Browser::signed_in_as(&app, &a, in_a, Role::Admin).await;
    assert_eq!(on_a.get("/accounts/profile/").await.status, 200);
    // The same cookie and CSRF token, presented to B's host.
    let token = on_a.csrf();
    let mut on_b = Browser::new(&app, &b).await;
    on_b.cookies = on_a.cookies.clone();
    assert_eq!(
        on_b.get("/accounts/profile/").await.status,
        303,
        "not signed in on B"
    );
    let page = on_b
        .post_raw(
            "/accounts/profile/",
            &[("csrf_token", token.as_str()), ("display_name", "x")],
        )
        .await;
    assert_eq!(page.status, 403, "A's token is refused on B");
    // Same address, separate accounts: A's password does not open B.
    let mut fresh = Browser::new(&app, &b).await;
    let page = fresh
        .post(
            "/accounts/login/",
            &[("email", "same@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, 401);
    let page = fresh
        .post(
            "/accounts/login/",
            &[
                ("email", "same@example.org"),
                ("password", "a different phrase for b"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
}

#[tokio::test]
async fn bad_input_gets_a_clear_answer_and_changes_nothing() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("badinput", "Bad input").await;
    let mut browser = Browser::new(&app, &tenant).await;
    let cases: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("email", "not an address"),
            ("password", "x"),
            ("display_name", ""),
        ],
        &[
            ("email", "robert'); DROP TABLE accounts;--@example.org"),
            ("password", "short"),
            ("display_name", "Bobby"),
        ],
        &[
            ("email", "zoé@exämple.org"),
            ("password", "🔑🔑🔑"),
            ("display_name", "\u{0}"),
        ],
    ];
    for fields in cases {
        let page = browser.post("/accounts/signup/", fields).await;
        assert_eq!(page.status, 422, "{fields:?}: {}", page.body);
        assert!(
            page.body.contains("field__error"),
            "the error is shown next to its field"
        );
    }
    let big = "x".repeat(10 * 1024 * 1024);
    let page = browser
        .post("/accounts/signup/", &[("display_name", big.as_str())])
        .await;
    assert_eq!(page.status, 413);
    let mut tx = app.tenant_tx(&tenant).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("count");
    assert_eq!(count, 0, "nothing written");
}

#[tokio::test]
async fn security_headers_are_sent_and_hsts_only_under_tls() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("headers", "Headers").await;
    let page = app
        .get(tenant.default_host.as_str(), "/accounts/login/")
        .await;
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-security-policy").contains("frame-ancestors 'none'"));
    assert!(header("content-security-policy").contains("form-action 'self'"));
    assert_eq!(header("referrer-policy"), "strict-origin-when-cross-origin");
    assert_eq!(
        header("cache-control"),
        "no-store",
        "a page with a CSRF token is never cached"
    );
    assert!(
        header("strict-transport-security").is_empty(),
        "no HSTS over plain HTTP"
    );
    let mut config = crate::helpers::test_config();
    config.http.secure_cookies = true;
    let tls = crate::helpers::spawn_app_with(crate::helpers::shared_database().await, config).await;
    let page = tls.get(tenant.default_host.as_str(), "/").await;
    let hsts = page
        .headers()
        .get("strict-transport-security")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(hsts.starts_with("max-age="), "{hsts}");
}
