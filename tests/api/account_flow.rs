//! The whole life of an account over HTTP, with the real mails read back
//! from an SMTP server: sign up, confirm the address from the mail, sign
//! in, turn on two-step sign-in, sign in with a code, sign out; forget the
//! password and reset it from the mail; change the address from a mail to
//! the new one (links are `https`: browsers hold `*.localhost` secure).
//! And the links of one association refused on another's host.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tessera::config::{Config, MailTransport};
use totp_rs::{Algorithm, Secret, TOTP};

use crate::helpers::browser::Browser;
use crate::helpers::smtp::{ReadMail, SmtpSink};
use crate::helpers::{migrated_database, spawn_app_with, test_config};

pub fn mailing_config(sink: &SmtpSink) -> Config {
    let mut config = test_config();
    config.jobs.workers = 1;
    config.jobs.poll_interval_ms = 20;
    config.mail.transport = Some(MailTransport::Smtp);
    config.mail.smtp_url = Some(sink.url().into());
    config.mail.from = "noreply@tessera.test".into();
    config
}

/// Waits for the `n`th mail (1-based) to arrive.
pub async fn nth_mail(sink: &SmtpSink, n: usize) -> ReadMail {
    let started = Instant::now();
    while sink.count() < n {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "mail {n} never came"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sink.mails()[n - 1].clone()
}

/// The path of the first link of the mail's text part.
pub fn link_path(mail: &ReadMail) -> String {
    let start = mail
        .text
        .find("https://")
        .or_else(|| mail.text.find("http://"))
        .unwrap_or_else(|| panic!("no link in {:?}", mail.text));
    let url: String = mail.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let after_scheme = &url[url.find("://").expect("a scheme") + 3..];
    after_scheme[after_scheme.find('/').expect("a path")..].to_owned()
}

pub fn code(secret: &str, offset_steps: u64) -> String {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .expect("base32");
    let totp = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into()).expect("totp");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    totp.generate(now + offset_steps * 30)
}

#[tokio::test]
async fn sign_up_confirm_sign_in_with_two_steps_and_recover_the_password() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let (tenant, _) = app.create_tenant("flow", "Vélo Club Étoile").await;
    let email = "nora.benali@example.org";
    let password = "le vélo du dimanche matin";
    let mut browser = Browser::new(&app, &tenant).await;

    let page = browser.get("/accounts/signup/").await;
    assert_eq!(page.status, 200);
    let page = browser
        .post(
            "/accounts/signup/",
            &[
                ("display_name", "Nora Benali"),
                ("email", email),
                ("password", password),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let page = browser
        .post(
            "/accounts/login/",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(page.status, 403, "not before the address is confirmed");

    // Two verification mails (sign-up, then the sign-in attempt): the
    // second link is the one that works.
    let first = nth_mail(&sink, 1).await;
    assert!(first.to.contains(email), "{}", first.to);
    assert!(
        first.subject.contains("Vélo Club Étoile"),
        "{}",
        first.subject
    );
    let second = nth_mail(&sink, 2).await;
    assert_eq!(
        browser.get(&link_path(&first)).await.status,
        404,
        "replaced by the newer link"
    );
    let page = browser.get(&link_path(&second)).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        browser.get(&link_path(&second)).await.status,
        404,
        "a link works once"
    );

    let page = browser
        .post(
            "/accounts/login/",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser.post("/accounts/2fa/setup", &[]).await;
    let secret = page
        .body
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|r| r.split("</code>").next())
        .expect("secret")
        .to_owned();
    let page = browser
        .post("/accounts/2fa/confirm", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(page.status, 200);
    let notice = nth_mail(&sink, 3).await;
    assert!(
        notice.text.contains("deux étapes") || notice.text.contains("Two-step"),
        "{}",
        notice.text
    );
    assert_eq!(browser.post("/accounts/logout/", &[]).await.status, 303);

    let page = browser
        .post(
            "/accounts/login/",
            &[("email", email), ("password", password)],
        )
        .await;
    assert!(
        page.location
            .as_deref()
            .unwrap_or_default()
            .starts_with("/accounts/login/2fa/")
    );
    let page = browser
        .post("/accounts/login/2fa/", &[("code", &code(&secret, 1))])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(browser.get("/accounts/profile/").await.status, 200);
    assert_eq!(browser.post("/accounts/logout/", &[]).await.status, 303);

    // Forgotten password: the same answer for a stranger, a mail for her.
    let mut stranger = Browser::new(&app, &tenant).await;
    let page = stranger
        .post(
            "/accounts/password/forgot/",
            &[("email", "nobody@example.org")],
        )
        .await;
    let page_for_her = browser
        .post("/accounts/password/forgot/", &[("email", email)])
        .await;
    assert_eq!(page.status, page_for_her.status);
    let reset = nth_mail(&sink, 4).await;
    assert!(reset.to.contains(email), "{}", reset.to);
    let path = link_path(&reset);
    assert_eq!(browser.get(&path).await.status, 200);
    let page = browser.post(&path, &[("password", "short")]).await;
    assert_eq!(
        page.status, 422,
        "a weak password is refused and the link kept"
    );
    let page = browser
        .post(&path, &[("password", "une toute nouvelle phrase")])
        .await;
    assert_eq!(page.status, 303);
    let page = browser
        .post(
            "/accounts/login/",
            &[("email", email), ("password", password)],
        )
        .await;
    assert_eq!(page.status, 401, "the old password is gone");
    // The worker delivers after the commit: wait for it.
    let notice = nth_mail(&sink, 5).await;
    assert!(
        notice.to.contains(email),
        "a security notice for the new password"
    );
}

#[tokio::test]
async fn a_new_address_is_confirmed_from_a_mail_to_it() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let (tenant, _) = app.create_tenant("newmail", "Harbour Choir").await;
    let password = "sing it from the harbour";
    let id = crate::helpers::browser::create_account(
        &app,
        &tenant,
        "old@example.org",
        password,
        tessera::auth::Role::Member,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &tenant, id, tessera::auth::Role::Member).await;
    let page = browser
        .post(
            "/accounts/email/",
            &[
                ("new_email", "new@example.org"),
                ("current_password", "wrong wrong wrong"),
            ],
        )
        .await;
    assert_eq!(page.status, 401);
    let page = browser
        .post(
            "/accounts/email/",
            &[
                ("new_email", "new@example.org"),
                ("current_password", password),
            ],
        )
        .await;
    assert_eq!(page.status, 200);
    let mail = nth_mail(&sink, 1).await;
    assert!(mail.to.contains("<new@example.org>"), "{}", mail.to);
    assert_eq!(browser.get(&link_path(&mail)).await.status, 303);
    let notice = nth_mail(&sink, 2).await;
    assert!(
        notice.to.contains("<old@example.org>"),
        "the old address hears of the change"
    );
    let mut fresh = Browser::new(&app, &tenant).await;
    let page = fresh
        .post(
            "/accounts/login/",
            &[("email", "new@example.org"), ("password", password)],
        )
        .await;
    assert_eq!(page.status, 303);
}

#[tokio::test]
async fn one_association_s_links_do_nothing_on_another_s_host() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let (a, _) = app.create_tenant("links-a", "A").await;
    let (b, _) = app.create_tenant("links-b", "B").await;
    let password = "a phrase long enough";
    for tenant in [&a, &b] {
        crate::helpers::browser::create_account(
            &app,
            tenant,
            "twin@example.org",
            password,
            tessera::auth::Role::Member,
        )
        .await;
    }
    let mut on_a = Browser::new(&app, &a).await;
    on_a.post(
        "/accounts/password/forgot/",
        &[("email", "twin@example.org")],
    )
    .await;
    let reset = link_path(&nth_mail(&sink, 1).await);
    let mut on_b = Browser::new(&app, &b).await;
    assert_eq!(
        on_b.get(&reset).await.status,
        404,
        "A's reset link on B's host"
    );
    let page = on_b
        .post(&reset, &[("password", "taking over account b")])
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(on_a.get(&reset).await.status, 200, "still good on A");
}
