//! Web Push end to end: a member subscribes a device through the API, a
//! notice is fanned out, the deliver job POSTs to the local push service,
//! which checks the VAPID JWT against the association's public key and
//! decrypts the body with the device's private key. A 410 forgets the
//! device; a 503 keeps the push for a later attempt.

use serde_json::Value;
use tessera::auth::Role;
use tessera::notifications::{Audience, Kind};

use crate::helpers::api_client::{call, get};
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{
    DEVICES, Device, PushService, app, count, drain, member, notice, notify, send, subscribe,
    verify_vapid,
};

const KEY: &str = "/api/v1/notifications/vapid-public-key";

#[tokio::test]
async fn a_push_reaches_the_device_signed_with_the_tenants_key_and_decrypts() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("push", "Club Push").await;
    let host = tenant.default_host.to_string();
    let (_, token) = member(&app, &tenant, "ana@example.org", Role::Member).await;
    let key = get(&app, &host, KEY, Some(&token)).await;
    assert_eq!(key.status, 200, "{key:?}");
    let public_key = key.json["public_key"].as_str().unwrap().to_owned();
    // Made once, then the same.
    assert_eq!(
        get(&app, &host, KEY, Some(&token)).await.json["public_key"],
        public_key.as_str()
    );
    let phone = Device::new(&service, "phone");
    let device = subscribe(&app, &tenant, &token, &phone).await;
    assert_eq!(
        get(&app, &host, DEVICES, Some(&token)).await.json[0]["service"],
        "127.0.0.1"
    );

    let mut news = notice(
        Kind::Announcements,
        Audience::Everyone,
        "Assemblée générale",
    );
    news.body = "Jeudi à 19 h, salle des fêtes.".into();
    news.url = "/announcements/7".into();
    let fanout = notify(&app, &tenant, news).await;
    assert_eq!((fanout.recipients, fanout.pushes), (1, 1), "{fanout:?}");
    drain(&app).await;

    let received = service.received_by(&phone);
    assert_eq!(received.len(), 1, "one push");
    let push = &received[0];
    assert_eq!(push.headers["content-encoding"], "aes128gcm");
    assert!(push.headers.contains_key("ttl"));
    verify_vapid(&push.headers, &service.origin(), &public_key);
    let payload: Value = serde_json::from_slice(&phone.decrypt(&push.body)).expect("JSON");
    assert_eq!(payload["title"], "Assemblée générale");
    assert_eq!(payload["body"], "Jeudi à 19 h, salle des fêtes.");
    assert_eq!(payload["url"], "/announcements/7");
    assert_eq!(payload["tag"], format!("notice-{}", fanout.notice_id));
    // Nothing left to send; the device is marked as reached; no mail for
    // an announcement by default.
    let waiting = "SELECT count(*) FROM notification_push_queue WHERE notice_id = $1";
    assert_eq!(count(&app, &tenant, waiting, fanout.notice_id).await, 0);
    let reached =
        "SELECT count(*) FROM push_subscriptions WHERE last_success_at IS NOT NULL AND id = $1";
    assert_eq!(count(&app, &tenant, reached, device).await, 1);
    assert_eq!(sink.count(), 0);
}

#[tokio::test]
async fn a_failing_push_waits_for_a_retry_and_a_gone_device_is_forgotten() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("pushgone", "Club Gone").await;
    let (_, token) = member(&app, &tenant, "ana@example.org", Role::Member).await;
    let id = subscribe(&app, &tenant, &token, &Device::new(&service, "old")).await;

    service.answer(503);
    let first = send(&app, &tenant, Kind::Projects, Audience::Members, "Chantier").await;
    drain(&app).await;
    assert_eq!(service.received().len(), 1);
    let waiting =
        "SELECT count(*) FROM notification_push_queue WHERE notice_id = $1 AND attempts = 1";
    assert_eq!(
        count(&app, &tenant, waiting, first.notice_id).await,
        1,
        "kept for later"
    );
    let follow_up = "SELECT count(*) FROM platform.jobs WHERE kind = 'notifications.deliver' \
                     AND state = 'pending' AND run_at > now() AND tenant_id = $1";
    let follow_ups: i64 = sqlx::query_scalar(follow_up)
        .bind(tenant.id.get())
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(follow_ups, 1, "a later run is queued");

    service.answer(410);
    send(
        &app,
        &tenant,
        Kind::Projects,
        Audience::Members,
        "Chantier 2",
    )
    .await;
    drain(&app).await;
    assert_eq!(service.received().len(), 2);
    let devices = "SELECT count(*) FROM push_subscriptions WHERE id = $1";
    assert_eq!(
        count(&app, &tenant, devices, id).await,
        0,
        "410 forgets the device"
    );
    let queued = "SELECT count(*) FROM notification_push_queue WHERE subscription_id = $1";
    assert_eq!(
        count(&app, &tenant, queued, id).await,
        0,
        "and what it still had queued"
    );
}

#[tokio::test]
async fn a_member_removes_their_own_device() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let service = PushService::start().await;
    let (tenant, _) = app.create_tenant("pushdel", "Club Appareils").await;
    let host = tenant.default_host.to_string();
    let (_, token) = member(&app, &tenant, "ana@example.org", Role::Member).await;
    let id = subscribe(&app, &tenant, &token, &Device::new(&service, "tablet")).await;
    let path = format!("{DEVICES}/{id}");
    let gone = call(&app, "DELETE", &host, &path, &Value::Null, Some(&token)).await;
    assert_eq!(gone.status, 204);
    let twice = call(&app, "DELETE", &host, &path, &Value::Null, Some(&token)).await;
    assert_eq!(twice.status, 404);
    assert!(twice.is_problem());
    assert_eq!(
        get(&app, &host, DEVICES, Some(&token)).await.json,
        serde_json::json!([])
    );
}
