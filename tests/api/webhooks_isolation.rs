//! Two associations' webhooks stay apart: B reaches none of A's endpoints
//! or deliveries by id, through its host, its token or its cookie; A's
//! token means nothing on B's host; each association's events are signed
//! with its own secret only, and a sealed secret copied from A's schema
//! into B's signs nothing.

use std::sync::Arc;

use serde_json::json;
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::helpers::TestApp;
use crate::helpers::api_client::{call, get, post};
use crate::helpers::browser::Browser;
use crate::webhooks_fixture::{
    ENDPOINTS, Receiver, app, count, create, deliveries, drain, emit, endpoint, person, signed_by,
};

/// Two associations, their administrators' ids and tokens.
struct Two {
    app: TestApp,
    a: Arc<Tenant>,
    b: Arc<Tenant>,
    a_token: String,
    b_admin: i64,
    b_token: String,
}

async fn two() -> Two {
    let app = app(true).await;
    let (a, _) = app.create_tenant("wh-iso-a", "Association A").await;
    let (b, _) = app.create_tenant("wh-iso-b", "Association B").await;
    let (_, a_token) = person(&app, &a, "admin@example.org", Role::Admin).await;
    let (b_admin, b_token) = person(&app, &b, "admin@example.org", Role::Admin).await;
    Two {
        app,
        a,
        b,
        a_token,
        b_admin,
        b_token,
    }
}

/// A has two endpoints, B one: A's second id names nothing in B.
async fn endpoints(two: &Two, receiver: &Receiver) -> (i64, i64) {
    let Two {
        app,
        a,
        b,
        a_token,
        b_token,
        ..
    } = two;
    create(app, a, a_token, endpoint(&receiver.url("a-first"), &["*"])).await;
    let (a_id, _) = create(app, a, a_token, endpoint(&receiver.url("a"), &["*"])).await;
    let (b_id, _) = create(app, b, b_token, endpoint(&receiver.url("b"), &["*"])).await;
    assert!(a_id > b_id, "A's id names nothing in B");
    emit(app, a, "payout.paid", json!({ "of": "A" })).await;
    drain(app).await;
    (a_id, b_id)
}

/// A's endpoint is as it was, and B saw none of A's events.
async fn untouched(two: &Two, receiver: &Receiver, a_id: i64) {
    let Two {
        app, a, b, a_token, ..
    } = two;
    let one = format!("{ENDPOINTS}/{a_id}");
    let shown = get(app, a.default_host.as_str(), &one, Some(a_token)).await;
    assert_eq!(shown.json["active"], true);
    assert_eq!(shown.json["url"], receiver.url("a"));
    assert!(shown.json["previous_secret_valid_until"].is_null());
    let changes = "SELECT count(*) FROM audit_log WHERE action LIKE 'webhook.%' \
                   AND action <> 'webhook.created'";
    assert_eq!(count(app, a, changes).await, 0);
    assert_eq!(
        count(app, b, "SELECT count(*) FROM webhook_events").await,
        0
    );
    assert!(receiver.received_at("b").is_empty());
}

#[tokio::test]
async fn the_api_of_one_association_reaches_nothing_of_anothers() {
    let two = two().await;
    let receiver = Receiver::start().await;
    let (a_id, b_id) = endpoints(&two, &receiver).await;
    let Two {
        app,
        a,
        b,
        a_token,
        b_token,
        ..
    } = &two;
    let (a_host, b_host) = (a.default_host.as_str(), b.default_host.as_str());
    let b_deliveries = deliveries(app, b, b_token, a_id).await;
    assert_eq!(b_deliveries.status, 404);
    let b_token = Some(b_token.as_str());
    let one = format!("{ENDPOINTS}/{a_id}");
    assert_eq!(get(app, b_host, &one, b_token).await.status, 404);
    let patch = json!({ "active": false, "url": receiver.url("stolen") });
    assert_eq!(
        call(app, "PATCH", b_host, &one, &patch, b_token)
            .await
            .status,
        404
    );
    let rotate = format!("{one}/rotate");
    assert_eq!(
        post(app, b_host, &rotate, &json!({}), b_token).await.status,
        404
    );
    assert_eq!(
        call(app, "DELETE", b_host, &one, &json!({}), b_token)
            .await
            .status,
        404
    );
    let listed = get(app, b_host, ENDPOINTS, b_token).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1), "{listed:?}");
    // B's token on A's host, A's on B's: refused.
    assert_eq!(get(app, a_host, ENDPOINTS, b_token).await.status, 401);
    let b_one = format!("{ENDPOINTS}/{b_id}");
    assert_eq!(get(app, b_host, &b_one, Some(a_token)).await.status, 401);
    untouched(&two, &receiver, a_id).await;
}

#[tokio::test]
async fn the_pages_of_one_association_reach_nothing_of_anothers() {
    let two = two().await;
    let receiver = Receiver::start().await;
    let (a_id, _) = endpoints(&two, &receiver).await;
    let Two {
        app, a, b, b_admin, ..
    } = &two;
    let mut b_browser = Browser::signed_in_as(app, b, *b_admin, Role::Admin).await;
    let page = format!("/staff/webhooks/{a_id}");
    assert_eq!(b_browser.get(&page).await.status, 404);
    for action in ["disable", "rotate", "test", "delete"] {
        let done = b_browser.post(&format!("{page}/{action}"), &[]).await;
        assert_eq!(done.status, 404, "{action}");
    }
    let edit = [("url", "http://127.0.0.1:9/stolen"), ("events", "*")];
    assert_eq!(b_browser.post(&page, &edit).await.status, 404);
    let list = b_browser.get("/staff/webhooks").await;
    assert!(!list.body.contains(&receiver.url("a")), "{}", list.body);
    // B's cookie on A's host signs nobody in.
    let mut stray = Browser::signed_in_as(app, b, *b_admin, Role::Admin).await;
    stray.host = a.default_host.to_string();
    let page = stray.get(&page).await;
    let to_sign_in = page
        .location
        .as_ref()
        .is_some_and(|l| l.contains("/accounts/login"));
    assert!(to_sign_in, "{page:?}");
    untouched(&two, &receiver, a_id).await;
}

#[tokio::test]
async fn each_association_signs_with_its_own_secret_only() {
    let Two {
        app,
        a,
        b,
        a_token,
        b_token,
        ..
    } = two().await;
    let receiver = Receiver::start().await;
    let (a_id, a_secret) = create(&app, &a, &a_token, endpoint(&receiver.url("a"), &["*"])).await;
    let (b_id, b_secret) = create(&app, &b, &b_token, endpoint(&receiver.url("b"), &["*"])).await;
    emit(&app, &a, "payout.paid", json!({ "of": "A" })).await;
    emit(&app, &b, "payout.paid", json!({ "of": "B" })).await;
    drain(&app).await;
    let (to_a, to_b) = (&receiver.received_at("a")[0], &receiver.received_at("b")[0]);
    assert!(signed_by(to_a, &a_secret) && !signed_by(to_a, &b_secret));
    assert!(signed_by(to_b, &b_secret) && !signed_by(to_b, &a_secret));
    assert_eq!(to_a.json()["data"], json!({ "of": "A" }));
    assert_eq!(to_b.json()["data"], json!({ "of": "B" }));
    assert_ne!(to_a.header("webhook-id"), to_b.header("webhook-id"));

    // A sealed secret copied from A's schema into B's row: the job opens
    // it with B's key, and it was sealed with A's, so nothing is sent.
    let mut tx = app.tenant_tx(&a).await;
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT secret_sealed FROM webhook_endpoints WHERE id = $1")
            .bind(a_id)
            .fetch_one(tx.conn().await.unwrap())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    let mut tx = app.tenant_tx(&b).await;
    sqlx::query("UPDATE webhook_endpoints SET secret_sealed = $1 WHERE id = $2")
        .bind(&sealed)
        .bind(b_id)
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    emit(&app, &b, "payout.paid", json!({ "of": "B again" })).await;
    drain(&app).await;
    assert_eq!(
        receiver.received_at("b").len(),
        1,
        "nothing sent with A's secret"
    );
    let latest = &deliveries(&app, &b, &b_token, b_id).await.json["items"][0];
    assert_eq!(latest["state"], "failed", "{latest}");
    let why = latest["last_error"].as_str().unwrap_or_default();
    assert!(why.contains("signing secret"), "{latest}");
}
