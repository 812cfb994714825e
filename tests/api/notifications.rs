//! Notifications as members meet them: each one's preferences decide
//! in-app, mail and push (a kind switched off produces nothing on that
//! channel), digest mode turns mails into one daily summary, the pages
//! work without JavaScript, and bad input changes nothing.

use std::sync::Arc;

use serde_json::json;
use tessera::auth::Role;
use tessera::notifications::{Audience, Kind, tasks};
use tessera::tenancy::Tenant;

use crate::account_flow::nth_mail;
use crate::api_auth::PASSWORD;
use crate::helpers::TestApp;
use crate::helpers::api_client::{call, get};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{
    Device, PushService, app, count, drain, mark_read, member, send, subscribe,
};

const IN_APP: &str = "SELECT count(*) FROM notifications WHERE account_id = $1";
const LIST: &str = "/notifications/";
const PREFERENCES: &str = "/notifications/preferences";

/// Bob wants no announcements at all, and no mail about payments.
async fn bob_opts_out(app: &TestApp, host: &str, token: &str) {
    let choices = json!({ "kinds": [
        { "kind": "announcements", "in_app": false, "email": false, "push": false },
        { "kind": "payments", "in_app": true, "email": false, "push": false },
    ]});
    let path = "/api/v1/notifications/preferences";
    let saved = call(app, "PUT", host, path, &choices, Some(token)).await;
    assert_eq!(saved.status, 200, "{saved:?}");
    assert_eq!(saved.json["kinds"][0]["push"], false);
    assert_eq!(saved.json["kinds"][1]["kind"], "renewals", "{}", saved.json);
    let untouched = &saved.json["kinds"][1]["email"];
    assert_eq!(untouched, true, "untouched kinds keep their defaults");
}

/// One mail, to the treasurer, in the association's name.
async fn the_treasurer_alone_got_a_mail(sink: &SmtpSink) {
    let mail = nth_mail(sink, 1).await;
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
}

/// Each one's list is their own.
async fn lists_are_their_own(app: &TestApp, host: &str, ana_token: &str, bob_token: &str) {
    let list = get(app, host, "/api/v1/notifications", Some(bob_token)).await;
    assert_eq!(list.json["unread"], 1);
    assert_eq!(list.json["items"][0]["title"], "Paiement de Bob");
    let unread = "/api/v1/notifications?unread=true";
    let ana_list = get(app, host, unread, Some(ana_token)).await;
    let ana_id = ana_list.json["items"][0]["id"].as_i64().unwrap();
    assert_eq!(
        mark_read(app, host, bob_token, ana_id).await,
        404,
        "not bob's"
    );
    assert_eq!(mark_read(app, host, ana_token, ana_id).await, 204);
    assert_eq!(
        get(app, host, unread, Some(ana_token)).await.json["unread"],
        0
    );
}

#[tokio::test]
async fn each_member_hears_through_the_channels_they_chose() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("prefs", "Club Préférences").await;
    let host = tenant.default_host.to_string();
    let (ana, ana_token) = member(&app, &tenant, "ana@example.org", Role::Member).await;
    let (bob, bob_token) = member(&app, &tenant, "bob@example.org", Role::Member).await;
    let (cleo, _) = member(&app, &tenant, "cleo@example.org", Role::Treasurer).await;
    let (ana_phone, bob_phone) = (Device::new(&service, "ana"), Device::new(&service, "bob"));
    subscribe(&app, &tenant, &ana_token, &ana_phone).await;
    subscribe(&app, &tenant, &bob_token, &bob_phone).await;
    bob_opts_out(&app, &host, &bob_token).await;

    let news = send(
        &app,
        &tenant,
        Kind::Announcements,
        Audience::Everyone,
        "Fête",
    )
    .await;
    assert_eq!(
        (news.recipients, news.in_app, news.pushes, news.emails),
        (3, 2, 1, 0)
    );
    let treasurers = Audience::Staff(Role::Treasurer);
    let staff = send(&app, &tenant, Kind::Payments, treasurers, "Virement reçu").await;
    assert_eq!((staff.recipients, staff.emails), (1, 1), "treasurers only");
    let to_bob = send(
        &app,
        &tenant,
        Kind::Payments,
        Audience::Account(bob),
        "Paiement de Bob",
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
    the_treasurer_alone_got_a_mail(&sink).await;
    lists_are_their_own(&app, &host, &ana_token, &bob_token).await;
}

/// Runs the digest job's work for `tenant` now; returns the mails queued.
async fn digests(app: &TestApp, tenant: &Arc<Tenant>) -> usize {
    let service = &app.state.notifications;
    tasks::digests(service, &app.state.db, tenant.clone())
        .await
        .unwrap()
}

#[tokio::test]
async fn digest_mode_sends_one_summary_a_day() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("digest", "Club Digest").await;
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    let to_ana = || Audience::Account(ana);
    // Chosen on the page, as a person does.
    let mut browser = Browser::signed_in_as(&app, &tenant, ana, Role::Member).await;
    let digest = [
        ("renewals-email", "1"),
        ("renewals-in_app", "1"),
        ("mode", "digest"),
    ];
    let saved = browser.post(PREFERENCES, &digest).await;
    assert_eq!(saved.status, 303, "{}", saved.body);

    for title in ["Adhésion à renouveler", "Dernier rappel"] {
        let fanout = send(&app, &tenant, Kind::Renewals, to_ana(), title).await;
        assert_eq!((fanout.emails, fanout.digests), (0, 1));
    }
    drain(&app).await;
    assert_eq!(sink.count(), 0, "nothing leaves at once");
    assert_eq!(digests(&app, &tenant).await, 1);
    drain(&app).await;
    let mail = nth_mail(&sink, 1).await;
    assert!(mail.subject.contains("Club Digest"), "{}", mail.subject);
    for part in [&mail.subject, &mail.text, &mail.html] {
        assert!(
            !part.contains("mail-") && !part.contains("notif-"),
            "untranslated: {part}"
        );
    }
    let both = mail.text.contains("Adhésion à renouveler") && mail.text.contains("Dernier rappel");
    assert!(both, "{}", mail.text);
    // The same day: nothing more, even with news waiting.
    send(&app, &tenant, Kind::Renewals, to_ana(), "Encore").await;
    assert_eq!(digests(&app, &tenant).await, 0);
    drain(&app).await;
    assert_eq!(sink.count(), 1);
    // Back to immediate mails: the next one leaves at once.
    let immediate = [("renewals-email", "1"), ("mode", "immediate")];
    assert_eq!(browser.post(PREFERENCES, &immediate).await.status, 303);
    send(&app, &tenant, Kind::Renewals, to_ana(), "Tout de suite").await;
    drain(&app).await;
    assert!(nth_mail(&sink, 2).await.subject.contains("Tout de suite"));
}

const UNREAD: &str = "SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL";

/// The list shows 20 notifications, newest first, escaped, with a link to
/// the older ones.
async fn twenty_a_page_newest_first(browser: &mut Browser<'_>) {
    let page = browser.get(LIST).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Projet &lt;b&gt;22</h2>"),
        "escaped, newest first"
    );
    assert!(!page.body.contains("Projet &lt;b&gt;2</h2>"), "20 a page");
    assert!(page.body.contains(">22<"), "the unread count");
    let older = page.body.split("href=\"/notifications/?before=").nth(1);
    let before: String = older
        .expect("a next page")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let second = browser.get(&format!("{LIST}?before={before}")).await;
    assert!(second.body.contains("Projet &lt;b&gt;1</h2>"));
}

#[tokio::test]
async fn the_list_pages_open_mark_and_page_without_javascript() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("notifpages", "Club Pages").await;
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    for n in 1..=22 {
        let title = format!("Projet <b>{n}");
        send(
            &app,
            &tenant,
            Kind::Projects,
            Audience::Account(ana),
            &title,
        )
        .await;
    }
    let away = Browser::new(&app, &tenant).await.get(LIST).await;
    assert!(
        away.location
            .unwrap_or_default()
            .starts_with("/accounts/login/")
    );

    let mut browser = Browser::signed_in_as(&app, &tenant, ana, Role::Member).await;
    twenty_a_page_newest_first(&mut browser).await;

    let latest = "SELECT max(notice_id) FROM notifications WHERE account_id = $1";
    let id = count(&app, &tenant, latest, ana).await;
    let opened = browser
        .post(&format!("/notifications/{id}/open"), &[])
        .await;
    assert_eq!(
        (opened.status, opened.location.as_deref()),
        (303, Some("/membership"))
    );
    assert_eq!(count(&app, &tenant, UNREAD, ana).await, 21);
    assert_eq!(
        browser.post("/notifications/999999/read", &[]).await.status,
        404
    );
    // Without the form's token nothing happens.
    assert_eq!(
        browser
            .post_raw("/notifications/read-all", &[])
            .await
            .status,
        403
    );
    assert_eq!(
        browser.post("/notifications/read-all", &[]).await.status,
        303
    );
    assert_eq!(count(&app, &tenant, UNREAD, ana).await, 0);
}

#[tokio::test]
async fn the_preferences_page_shows_the_choices_and_refuses_unknown_ones() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("notifprefs", "Club Réglages").await;
    let ana = create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, ana, Role::Member).await;
    let form = browser.get(PREFERENCES).await;
    assert_eq!(form.status, 200);
    let payments_mail = "name=\"payments-email\" type=\"checkbox\" value=\"1\" checked";
    assert!(form.body.contains(payments_mail), "defaults shown");
    assert!(form.body.contains("js/push.js"));
    let refused = browser.post(PREFERENCES, &[("payments-fax", "1")]).await;
    assert_eq!(refused.status, 400);
    let saved = "SELECT count(*) FROM notification_preferences WHERE account_id = $1";
    assert_eq!(count(&app, &tenant, saved, ana).await, 0, "nothing saved");
    // Saved: every box as ticked, unticked ones off.
    let only_push = [("projects-push", "1"), ("mode", "immediate")];
    assert_eq!(browser.post(PREFERENCES, &only_push).await.status, 303);
    let off = "SELECT count(*) FROM notification_preferences WHERE account_id = $1 \
               AND NOT in_app AND NOT email";
    // Every kind: projects kept push only, the others nothing.
    assert_eq!(count(&app, &tenant, off, ana).await, Kind::ALL.len() as i64);
    let fanout = send(
        &app,
        &tenant,
        Kind::Projects,
        Audience::Everyone,
        "Chantier",
    )
    .await;
    assert_eq!((fanout.in_app, fanout.emails), (0, 0));
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
    assert_eq!(count(&app, &tenant, UNREAD, member).await, 3);
    drain(&app).await;
    // Its renewal and payment notices went by mail (the defaults).
    assert!(nth_mail(&sink, 2).await.to.contains("<m@example.org>"));
}
