//! Notifications as members meet them: each one's preferences decide
//! in-app, mail and push (a kind switched off produces nothing on that
//! channel), digest mode turns mails into one daily summary, the pages
//! work without JavaScript, and bad input changes nothing.

use serde_json::json;
use tessera::auth::Role;
use tessera::notifications::{Audience, Kind, tasks};

use crate::account_flow::nth_mail;
use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{Device, PushService, app, count, drain, notice, notify};

const IN_APP: &str = "SELECT count(*) FROM notifications WHERE account_id = $1";

#[tokio::test]
async fn each_member_hears_through_the_channels_they_chose() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("prefs", "Club Préférences").await;
    let host = tenant.default_host.to_string();
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    let bob = create_account(&app, &tenant, "bob@example.org", PASSWORD, Role::Member).await;
    let cleo = create_account(&app, &tenant, "cleo@example.org", PASSWORD, Role::Treasurer).await;
    let (ana_token, _) = login(&app, &host, "ana@example.org", PASSWORD).await;
    let (bob_token, _) = login(&app, &host, "bob@example.org", PASSWORD).await;
    let (ana_phone, bob_phone) = (Device::new(&service, "ana"), Device::new(&service, "bob"));
    let path = "/api/v1/notifications/subscriptions";
    for (token, device) in [(&ana_token, &ana_phone), (&bob_token, &bob_phone)] {
        assert_eq!(
            post(&app, &host, path, &device.subscription(), Some(token))
                .await
                .status,
            201
        );
    }
    // Bob wants no announcements at all, and no mail about payments.
    let choices = json!({ "kinds": [
        { "kind": "announcements", "in_app": false, "email": false, "push": false },
        { "kind": "payments", "in_app": true, "email": false, "push": false },
    ]});
    let saved = call(
        &app,
        "PUT",
        &host,
        "/api/v1/notifications/preferences",
        &choices,
        Some(&bob_token),
    )
    .await;
    assert_eq!(saved.status, 200, "{saved:?}");
    assert_eq!(saved.json["kinds"][0]["push"], false);
    assert_eq!(saved.json["kinds"][1]["kind"], "renewals", "{}", saved.json);
    assert_eq!(
        saved.json["kinds"][1]["email"], true,
        "untouched kinds keep their defaults"
    );

    let news = notify(
        &app,
        &tenant,
        notice(Kind::Announcements, Audience::Everyone, "Fête"),
    )
    .await;
    assert_eq!(
        (news.recipients, news.in_app, news.pushes, news.emails),
        (3, 2, 1, 0)
    );
    let staff = notify(
        &app,
        &tenant,
        notice(
            Kind::Payments,
            Audience::Staff(Role::Treasurer),
            "Virement reçu",
        ),
    )
    .await;
    assert_eq!((staff.recipients, staff.emails), (1, 1), "treasurers only");
    let to_bob = notify(
        &app,
        &tenant,
        notice(Kind::Payments, Audience::Account(bob), "Paiement de Bob"),
    )
    .await;
    assert_eq!((to_bob.in_app, to_bob.emails), (1, 0));
    drain(&app).await;

    assert_eq!(service.received_by(&ana_phone).len(), 1);
    assert!(
        service.received_by(&bob_phone).is_empty(),
        "bob switched pushes off"
    );
    assert_eq!(count(&app, &tenant, IN_APP, ana).await, 1);
    assert_eq!(
        count(&app, &tenant, IN_APP, bob).await,
        1,
        "only his payment"
    );
    assert_eq!(count(&app, &tenant, IN_APP, cleo).await, 2);
    // One mail, to the treasurer, in the association's name.
    let mail = nth_mail(&sink, 1).await;
    assert!(mail.to.contains("cleo@example.org"), "{}", mail.to);
    assert!(mail.from.contains("Club Préférences"), "{}", mail.from);
    assert!(mail.subject.contains("Virement reçu"), "{}", mail.subject);
    assert!(mail.text.contains("/membership"), "{}", mail.text);
    assert!(
        mail.text.contains("/notifications/preferences"),
        "{}",
        mail.text
    );
    assert!(
        !mail.text.contains("mail-notification"),
        "untranslated: {}",
        mail.text
    );
    assert_eq!(sink.count(), 1);

    // Each one's list is their own.
    let list = get(&app, &host, "/api/v1/notifications", Some(&bob_token)).await;
    assert_eq!(list.json["unread"], 1);
    assert_eq!(list.json["items"][0]["title"], "Paiement de Bob");
    let ana_list = get(
        &app,
        &host,
        "/api/v1/notifications?unread=true",
        Some(&ana_token),
    )
    .await;
    let ana_id = ana_list.json["items"][0]["id"].as_i64().unwrap();
    let theirs = post(
        &app,
        &host,
        &format!("/api/v1/notifications/{ana_id}/read"),
        &json!({}),
        Some(&bob_token),
    )
    .await;
    assert_eq!(theirs.status, 404, "bob cannot mark ana's");
    let mine = post(
        &app,
        &host,
        &format!("/api/v1/notifications/{ana_id}/read"),
        &json!({}),
        Some(&ana_token),
    )
    .await;
    assert_eq!(mine.status, 204);
    let after = get(
        &app,
        &host,
        "/api/v1/notifications?unread=true",
        Some(&ana_token),
    )
    .await;
    assert_eq!(after.json["unread"], 0);
}

#[tokio::test]
async fn digest_mode_sends_one_summary_a_day() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("digest", "Club Digest").await;
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    // Chosen on the page, as a person does.
    let mut browser = Browser::signed_in_as(&app, &tenant, ana, Role::Member).await;
    let saved = browser
        .post(
            "/notifications/preferences",
            &[
                ("renewals-email", "1"),
                ("renewals-in_app", "1"),
                ("mode", "digest"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    for title in ["Adhésion à renouveler", "Dernier rappel"] {
        let fanout = notify(
            &app,
            &tenant,
            notice(Kind::Renewals, Audience::Account(ana), title),
        )
        .await;
        assert_eq!((fanout.emails, fanout.digests), (0, 1));
    }
    drain(&app).await;
    assert_eq!(sink.count(), 0, "nothing leaves at once");

    let service = app.state.notifications.clone();
    assert_eq!(
        tasks::digests(&service, &app.state.db, tenant.clone())
            .await
            .unwrap(),
        1
    );
    drain(&app).await;
    let mail = nth_mail(&sink, 1).await;
    assert!(mail.subject.contains("Club Digest"), "{}", mail.subject);
    for part in [&mail.subject, &mail.text, &mail.html] {
        assert!(
            !part.contains("mail-") && !part.contains("notif-"),
            "untranslated: {part}"
        );
    }
    assert!(
        mail.text.contains("Adhésion à renouveler") && mail.text.contains("Dernier rappel"),
        "{}",
        mail.text
    );
    // The same day: nothing more, even with news waiting.
    notify(
        &app,
        &tenant,
        notice(Kind::Renewals, Audience::Account(ana), "Encore"),
    )
    .await;
    assert_eq!(
        tasks::digests(&service, &app.state.db, tenant.clone())
            .await
            .unwrap(),
        0
    );
    drain(&app).await;
    assert_eq!(sink.count(), 1);
    // Back to immediate mails: the next one leaves at once.
    browser
        .post(
            "/notifications/preferences",
            &[("renewals-email", "1"), ("mode", "immediate")],
        )
        .await;
    notify(
        &app,
        &tenant,
        notice(Kind::Renewals, Audience::Account(ana), "Tout de suite"),
    )
    .await;
    drain(&app).await;
    assert!(nth_mail(&sink, 2).await.subject.contains("Tout de suite"));
}

#[tokio::test]
async fn the_pages_list_open_mark_and_page_without_javascript() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("notifpages", "Club Pages").await;
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    for n in 1..=22 {
        let title = format!("Projet <b>{n}");
        notify(
            &app,
            &tenant,
            notice(Kind::Projects, Audience::Account(ana), &title),
        )
        .await;
    }
    let mut anonymous = Browser::new(&app, &tenant).await;
    let away = anonymous.get("/notifications/").await;
    assert_eq!(away.status, 303);
    assert!(
        away.location
            .unwrap_or_default()
            .starts_with("/accounts/login/")
    );

    let mut browser = Browser::signed_in_as(&app, &tenant, ana, Role::Member).await;
    let page = browser.get("/notifications/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Projet &lt;b&gt;22</h2>"),
        "escaped, newest first"
    );
    assert!(!page.body.contains("Projet &lt;b&gt;2</h2>"), "20 a page");
    assert!(page.body.contains(">22<"), "the unread count");
    let older = page
        .body
        .split("href=\"/notifications/?before=")
        .nth(1)
        .expect("a next page");
    let before: String = older.chars().take_while(char::is_ascii_digit).collect();
    let second = browser
        .get(&format!("/notifications/?before={before}"))
        .await;
    assert!(second.body.contains("Projet &lt;b&gt;1</h2>"));

    let id = count(
        &app,
        &tenant,
        "SELECT max(notice_id) FROM notifications WHERE account_id = $1",
        ana,
    )
    .await;
    let opened = browser
        .post(&format!("/notifications/{id}/open"), &[])
        .await;
    assert_eq!(
        (opened.status, opened.location.as_deref()),
        (303, Some("/membership"))
    );
    let unread = "SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL";
    assert_eq!(count(&app, &tenant, unread, ana).await, 21);
    assert_eq!(
        browser.post("/notifications/999999/read", &[]).await.status,
        404
    );
    assert_eq!(
        browser.post("/notifications/read-all", &[]).await.status,
        303
    );
    assert_eq!(count(&app, &tenant, unread, ana).await, 0);
    // Without the form's token nothing happens.
    assert_eq!(
        browser
            .post_raw("/notifications/read-all", &[])
            .await
            .status,
        403
    );

    let form = browser.get("/notifications/preferences").await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("name=\"payments-email\" type=\"checkbox\" value=\"1\" checked"),
        "defaults shown"
    );
    assert!(form.body.contains("js/push.js"));
    let refused = browser
        .post("/notifications/preferences", &[("payments-fax", "1")])
        .await;
    assert_eq!(refused.status, 400);
    let saved = "SELECT count(*) FROM notification_preferences WHERE account_id = $1";
    assert_eq!(count(&app, &tenant, saved, ana).await, 0, "nothing saved");
}

#[tokio::test]
async fn the_demo_member_has_notifications_once() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("notifdemo", "Club Démo").await;
    let member = create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    for expected in [true, false] {
        let mut tx = app.tenant_tx(&tenant).await;
        let seeded = tessera::seed::notifications::seed_tenant(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(seeded, expected, "seeded once");
    }
    assert_eq!(count(&app, &tenant, IN_APP, member).await, 4);
    let unread = "SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL";
    assert_eq!(count(&app, &tenant, unread, member).await, 3);
    drain(&app).await;
    // Its renewal and payment notices went by mail (the defaults).
    assert!(nth_mail(&sink, 2).await.to.contains("<m@example.org>"));
}
