//! Tenants stay apart: another association's token, cookie or ids cannot
//! list, mark or delete this one's notifications or devices, its VAPID key
//! is its own, and a notice reaches only its own association's members.

use std::sync::Arc;

use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::notifications::{Audience, Kind};
use tessera::tenancy::Tenant;

use crate::api_auth::PASSWORD;
use crate::helpers::TestApp;
use crate::helpers::api_client::{call, get};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{
    DEVICES, Device, PushService, app, count, drain, mark_read, member, send, subscribe,
};

/// Club A, whose Ana has a device and one notice; club B, whose admin has
/// the same address (two accounts).
struct Clubs {
    a: Arc<Tenant>,
    b: Arc<Tenant>,
    ana: i64,
    ben: i64,
    token_a: String,
    token_b: String,
    phone: Device,
    device: i64,
    notice: i64,
}

async fn clubs(app: &TestApp, service: &PushService) -> Clubs {
    let (a, _) = app.create_tenant("notifa", "Club A").await;
    let (b, _) = app.create_tenant("notifb", "Club B").await;
    let (ana, token_a) = member(app, &a, "ana@example.org", Role::Member).await;
    let (ben, token_b) = member(app, &b, "ana@example.org", Role::Admin).await;
    let phone = Device::new(service, "phone-a");
    let device = subscribe(app, &a, &token_a, &phone).await;
    let fanout = send(
        app,
        &a,
        Kind::Announcements,
        Audience::Everyone,
        "Seulement A",
    )
    .await;
    assert_eq!(fanout.recipients, 1, "A's members only");
    drain(app).await;
    Clubs {
        a,
        b,
        ana,
        ben,
        token_a,
        token_b,
        phone,
        device,
        notice: fanout.notice_id,
    }
}

const UNREAD: &str = "SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL";
const DEVICE: &str = "SELECT count(*) FROM push_subscriptions WHERE id = $1";

#[tokio::test]
async fn another_associations_token_cookie_and_ids_mean_nothing() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let c = clubs(&app, &service).await;
    let (host_a, host_b) = (c.a.default_host.to_string(), c.b.default_host.to_string());
    let (id, device) = (c.notice, c.device);
    // B's token on A's host: nobody.
    for (method, route) in [
        ("GET", "/api/v1/notifications".to_owned()),
        ("POST", format!("/api/v1/notifications/{id}/read")),
        ("POST", "/api/v1/notifications/read-all".to_owned()),
        ("GET", "/api/v1/notifications/preferences".to_owned()),
        ("GET", DEVICES.to_owned()),
        ("DELETE", format!("{DEVICES}/{device}")),
    ] {
        let reply = call(&app, method, &host_a, &route, &json!({}), Some(&c.token_b)).await;
        assert_eq!(reply.status, 401, "{method} {route}: {reply:?}");
    }
    // B's member on B's host, with A's ids: not found, nothing changed.
    assert_eq!(mark_read(&app, &host_b, &c.token_b, id).await, 404);
    let gone = call(
        &app,
        "DELETE",
        &host_b,
        &format!("{DEVICES}/{device}"),
        &Value::Null,
        Some(&c.token_b),
    )
    .await;
    assert_eq!(gone.status, 404);
    let list_b = get(&app, &host_b, "/api/v1/notifications", Some(&c.token_b)).await;
    assert_eq!(list_b.json["items"], json!([]));
    assert_eq!(
        get(&app, &host_b, DEVICES, Some(&c.token_b)).await.json,
        json!([])
    );
    assert_eq!(count(&app, &c.a, UNREAD, c.ana).await, 1);
    assert_eq!(count(&app, &c.a, DEVICE, device).await, 1);

    // B's session cookie on A's host signs nobody in.
    let b_browser = Browser::signed_in_as(&app, &c.b, c.ben, Role::Admin).await;
    let mut stray = Browser::new(&app, &c.a).await;
    stray.cookies = b_browser.cookies.clone();
    assert_eq!(stray.get("/notifications/").await.status, 303);
    let posted = stray.post(&format!("/notifications/{id}/read"), &[]).await;
    let to_login = posted.location.unwrap_or_default();
    assert!(to_login.starts_with("/accounts/login/"), "{to_login}");
    assert_eq!(count(&app, &c.a, UNREAD, c.ana).await, 1);
}

#[tokio::test]
async fn each_association_signs_with_its_own_key_and_members_keep_to_their_own() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let c = clubs(&app, &service).await;
    let (host_a, host_b) = (c.a.default_host.to_string(), c.b.default_host.to_string());
    let key = "/api/v1/notifications/vapid-public-key";
    let key_a = get(&app, &host_a, key, Some(&c.token_a)).await.json["public_key"].clone();
    let key_b = get(&app, &host_b, key, Some(&c.token_b)).await.json["public_key"].clone();
    assert!(key_a.is_string() && key_b.is_string());
    assert_ne!(key_a, key_b);
    let push = &service.received_by(&c.phone)[0];
    let header = push.headers["authorization"].to_str().unwrap();
    assert!(
        header.ends_with(&format!("k={}", key_a.as_str().unwrap())),
        "{header}"
    );

    // Within A, another member cannot touch Ana's device or notification.
    let (_, eve) = member(&app, &c.a, "eve@example.org", Role::Member).await;
    let path = format!("{DEVICES}/{}", c.device);
    let tried = call(&app, "DELETE", &host_a, &path, &Value::Null, Some(&eve)).await;
    assert_eq!(tried.status, 404);
    assert_eq!(mark_read(&app, &host_a, &eve, c.notice).await, 404);
    assert_eq!(count(&app, &c.a, UNREAD, c.ana).await, 1);
    assert_eq!(count(&app, &c.a, DEVICE, c.device).await, 1);
}

/// The unsubscribe link of the `n`th mail.
async fn unsubscribe_link(sink: &SmtpSink, n: usize) -> String {
    let mail = crate::account_flow::nth_mail(sink, n).await;
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
    link
}

#[tokio::test]
async fn a_mail_stops_from_its_own_link_on_its_own_association_only() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (a, _) = app.create_tenant("unsuba", "Club Lien").await;
    let (b, _) = app.create_tenant("unsubb", "Club Autre").await;
    let ana = create_account(&app, &a, "ana@example.org", PASSWORD, Role::Member).await;
    // B has an account with the same id: only the signature tells them apart.
    let bea = create_account(&app, &b, "bea@example.org", PASSWORD, Role::Member).await;
    assert_eq!(ana, bea);
    send(&app, &a, Kind::Payments, Audience::Account(ana), "Reçu").await;
    drain(&app).await;
    let link = unsubscribe_link(&sink, 1).await;

    // Another association's host does not know the link.
    let mut elsewhere = Browser::new(&app, &b).await;
    assert_eq!(elsewhere.get(&link).await.status, 404);
    assert_eq!(elsewhere.post(&link, &[]).await.status, 404);
    let forged = link.replacen("-payments-", "-all-", 1);
    let mut visitor = Browser::new(&app, &a).await;
    assert_eq!(visitor.get(&forged).await.status, 404);
    // Opening it changes nothing; its button stops payment mails only.
    assert_eq!(visitor.get(&link).await.status, 200);
    let chosen =
        "SELECT count(*) FROM notification_preferences WHERE account_id = $1 AND NOT email";
    assert_eq!(count(&app, &a, chosen, ana).await, 0);
    assert_eq!(visitor.post(&link, &[]).await.status, 200);
    assert_eq!(
        count(&app, &a, chosen, ana).await,
        3,
        "payments, and the two kinds off by default"
    );
    let paid = send(&app, &a, Kind::Payments, Audience::Account(ana), "Reçu 2").await;
    assert_eq!((paid.in_app, paid.emails), (1, 0));
    let renewal = send(&app, &a, Kind::Renewals, Audience::Account(ana), "Échéance").await;
    assert_eq!(renewal.emails, 1, "other kinds still mail");
}
