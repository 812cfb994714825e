//! Tenants stay apart: another association's token, cookie or ids cannot
//! list, mark or delete this one's notifications or devices, its VAPID key
//! is its own, and a notice reaches only its own association's members.

use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::notifications::{Audience, Kind};

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{Device, PushService, app, count, drain, notice, notify};

#[tokio::test]
async fn one_association_cannot_reach_anothers_notifications_or_devices() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (a, _) = app.create_tenant("notifa", "Club A").await;
    let (b, _) = app.create_tenant("notifb", "Club B").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    // The same address in both: two accounts.
    let ana = create_account(&app, &a, "ana@example.org", PASSWORD, Role::Member).await;
    let ben = create_account(&app, &b, "ana@example.org", PASSWORD, Role::Admin).await;
    let (token_a, _) = login(&app, &host_a, "ana@example.org", PASSWORD).await;
    let (token_b, _) = login(&app, &host_b, "ana@example.org", PASSWORD).await;
    let phone = Device::new(&service, "phone-a");
    let path = "/api/v1/notifications/subscriptions";
    let device = post(&app, &host_a, path, &phone.subscription(), Some(&token_a))
        .await
        .json["id"]
        .as_i64()
        .unwrap();
    let fanout = notify(
        &app,
        &a,
        notice(Kind::Announcements, Audience::Everyone, "Seulement A"),
    )
    .await;
    assert_eq!(fanout.recipients, 1, "A's members only");
    drain(&app).await;
    let id = fanout.notice_id;

    // B's token on A's host: nobody.
    for (method, route) in [
        ("GET", "/api/v1/notifications".to_owned()),
        ("POST", format!("/api/v1/notifications/{id}/read")),
        ("POST", "/api/v1/notifications/read-all".to_owned()),
        ("GET", "/api/v1/notifications/preferences".to_owned()),
        ("GET", path.to_owned()),
        ("DELETE", format!("{path}/{device}")),
    ] {
        let reply = call(&app, method, &host_a, &route, &json!({}), Some(&token_b)).await;
        assert_eq!(reply.status, 401, "{method} {route}: {reply:?}");
    }
    // B's member on B's host, with A's ids: not found, nothing changed.
    let read = post(
        &app,
        &host_b,
        &format!("/api/v1/notifications/{id}/read"),
        &json!({}),
        Some(&token_b),
    )
    .await;
    assert_eq!(read.status, 404);
    let deleted = call(
        &app,
        "DELETE",
        &host_b,
        &format!("{path}/{device}"),
        &Value::Null,
        Some(&token_b),
    )
    .await;
    assert_eq!(deleted.status, 404);
    let list_b = get(&app, &host_b, "/api/v1/notifications", Some(&token_b)).await;
    assert_eq!(list_b.json["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        get(&app, &host_b, path, Some(&token_b)).await.json,
        json!([])
    );
    let unread = "SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL";
    assert_eq!(count(&app, &a, unread, ana).await, 1);
    assert_eq!(
        count(
            &app,
            &a,
            "SELECT count(*) FROM push_subscriptions WHERE id = $1",
            device
        )
        .await,
        1
    );

    // B's session cookie on A's host signs nobody in.
    let b_browser = Browser::signed_in_as(&app, &b, ben, Role::Admin).await;
    let mut stray = Browser::new(&app, &a).await;
    stray.cookies = b_browser.cookies.clone();
    let page = stray.get("/notifications/").await;
    assert_eq!(page.status, 303, "{}", page.body);
    let posted = stray.post(&format!("/notifications/{id}/read"), &[]).await;
    let to_login = posted.location.unwrap_or_default();
    assert!(to_login.starts_with("/accounts/login/"), "{to_login}");
    assert_eq!(count(&app, &a, unread, ana).await, 1);

    // Each association signs with its own key.
    let key = "/api/v1/notifications/vapid-public-key";
    let key_a = get(&app, &host_a, key, Some(&token_a)).await.json["public_key"].clone();
    let key_b = get(&app, &host_b, key, Some(&token_b)).await.json["public_key"].clone();
    assert!(key_a.is_string() && key_b.is_string());
    assert_ne!(key_a, key_b);
    let push = &service.received_by(&phone)[0];
    let header = push.headers["authorization"].to_str().unwrap();
    assert!(
        header.ends_with(&format!("k={}", key_a.as_str().unwrap())),
        "{header}"
    );

    // Within A, another member cannot touch Ana's device or notification.
    create_account(&app, &a, "eve@example.org", PASSWORD, Role::Member).await;
    let (eve, _) = login(&app, &host_a, "eve@example.org", PASSWORD).await;
    let tried = call(
        &app,
        "DELETE",
        &host_a,
        &format!("{path}/{device}"),
        &Value::Null,
        Some(&eve),
    )
    .await;
    assert_eq!(tried.status, 404);
    let marked = post(
        &app,
        &host_a,
        &format!("/api/v1/notifications/{id}/read"),
        &json!({}),
        Some(&eve),
    )
    .await;
    assert_eq!(marked.status, 404);
    assert_eq!(count(&app, &a, unread, ana).await, 1);
}

#[tokio::test]
async fn a_mail_stops_from_its_own_link_on_its_own_association_only() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (a, _) = app.create_tenant("unsuba", "Club Lien").await;
    let (b, _) = app.create_tenant("unsubb", "Club Autre").await;
    let ana = create_account(&app, &a, "ana@example.org", PASSWORD, Role::Member).await;
    notify(
        &app,
        &a,
        notice(Kind::Payments, Audience::Account(ana), "Reçu"),
    )
    .await;
    drain(&app).await;
    let mail = crate::account_flow::nth_mail(&sink, 1).await;
    let start = mail
        .text
        .find("/notifications/unsubscribe/")
        .expect("a link");
    let link: String = mail.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(
        mail.list_unsubscribe.contains(&link),
        "{}",
        mail.list_unsubscribe
    );

    // Another association's host does not know the link.
    let mut elsewhere = Browser::new(&app, &b).await;
    assert_eq!(elsewhere.get(&link).await.status, 404);
    assert_eq!(elsewhere.post(&link, &[]).await.status, 404);
    let forged = link.replacen("-payments-", "-all-", 1);
    let mut visitor = Browser::new(&app, &a).await;
    assert_eq!(visitor.get(&forged).await.status, 404);
    // Opening it changes nothing; its button stops payment mails only.
    let page = visitor.get(&link).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let chosen =
        "SELECT count(*) FROM notification_preferences WHERE account_id = $1 AND NOT email";
    assert_eq!(count(&app, &a, chosen, ana).await, 0);
    assert_eq!(visitor.post(&link, &[]).await.status, 200);
    assert_eq!(
        count(&app, &a, chosen, ana).await,
        3,
        "payments, and the two kinds off by default"
    );
    let fanout = notify(
        &app,
        &a,
        notice(Kind::Payments, Audience::Account(ana), "Reçu 2"),
    )
    .await;
    assert_eq!((fanout.in_app, fanout.emails), (1, 0));
    let renewal = notify(
        &app,
        &a,
        notice(Kind::Renewals, Audience::Account(ana), "Échéance"),
    )
    .await;
    assert_eq!(renewal.emails, 1, "other kinds still mail");
}
