//! What the webhooks tests share: an app whose jobs run by hand (retries
//! due at once), a receiving server on 127.0.0.1:0 that records every
//! request and answers the statuses a test scripts, the check a receiver
//! makes of `webhook-signature` (written here from the Standard Webhooks
//! specification, with hmac/sha2 directly, not with the server's code),
//! and administrators with their access tokens.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tessera::auth::Role;
use tessera::config::Config;
use tessera::tenancy::Tenant;

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{Reply, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};

pub const ENDPOINTS: &str = "/api/v1/webhook-endpoints";

/// Jobs run only when [`drain`] runs them, and a failed one is due again
/// at once (no back-off), so a test sees every attempt without waiting.
pub fn config(allow_loopback: bool) -> Config {
    let mut config = test_config();
    config.jobs.workers = 0;
    config.jobs.backoff_base_ms = 0;
    config.jobs.backoff_max_ms = 0;
    config.webhooks.allow_loopback = allow_loopback;
    config
}

/// An app on a database of its own: its jobs are this test's only.
pub async fn app(allow_loopback: bool) -> TestApp {
    spawn_app_with(migrated_database().await, config(allow_loopback)).await
}

/// Runs every due job until none is left (each retry included).
pub async fn drain(app: &TestApp) {
    let worker = tessera::app::job_worker(&app.state);
    while !worker.run_once().await.expect("jobs run").is_empty() {}
}

/// What a producer does: an event in its own transaction.
pub async fn emit(app: &TestApp, tenant: &Arc<Tenant>, event: &str, data: Value) {
    let mut tx = app.tenant_tx(tenant).await;
    tessera::webhooks::emit(&mut tx, event, data)
        .await
        .expect("emitted");
    tx.commit().await.expect("commit");
}

/// A count from the tenant's schema.
pub async fn count(app: &TestApp, tenant: &Arc<Tenant>, sql: &str) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    n
}

/// A statement on the tenant's schema (what time or an operator would do).
pub async fn execute(app: &TestApp, tenant: &Arc<Tenant>, sql: &str) {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(tx.conn().await.expect("conn"))
        .await
        .expect("statement");
    tx.commit().await.expect("commit");
}

/// An active account of `tenant` with `role`, and its access token.
pub async fn person(app: &TestApp, tenant: &Arc<Tenant>, email: &str, role: Role) -> (i64, String) {
    let id = create_account(app, tenant, email, PASSWORD, role).await;
    let (token, _) = login(app, tenant.default_host.as_str(), email, PASSWORD).await;
    (id, token)
}

/// `POST /api/v1/webhook-endpoints`, expected to succeed: (id, secret).
pub async fn create(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    token: &str,
    body: Value,
) -> (i64, String) {
    let reply = post(
        app,
        tenant.default_host.as_str(),
        ENDPOINTS,
        &body,
        Some(token),
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    let secret = reply.json["secret"].as_str().expect("secret").to_owned();
    (reply.json["id"].as_i64().expect("id"), secret)
}

/// The endpoint's deliveries through the API.
pub async fn deliveries(app: &TestApp, tenant: &Arc<Tenant>, token: &str, id: i64) -> Reply {
    let path = format!("{ENDPOINTS}/{id}/deliveries");
    crate::helpers::api_client::get(app, tenant.default_host.as_str(), &path, Some(token)).await
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    /// Statuses to answer per path, in order; 200 once a script is used up.
    script: Arc<Mutex<HashMap<String, VecDeque<u16>>>>,
}

/// A webhook receiver on loopback: `POST /{name}`.
pub struct Receiver {
    pub addr: SocketAddr,
    inbox: Inbox,
}

impl Receiver {
    pub async fn start() -> Self {
        let inbox = Inbox::default();
        let router = axum::Router::new()
            .route("/{name}", axum::routing::post(receive))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, inbox }
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://{}/{name}", self.addr)
    }

    /// The next answers of `/{name}`.
    pub fn script(&self, name: &str, statuses: &[u16]) {
        let mut script = self.inbox.script.lock().unwrap();
        script.insert(format!("/{name}"), statuses.iter().copied().collect());
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }

    pub fn received_at(&self, name: &str) -> Vec<Received> {
        let path = format!("/{name}");
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

async fn receive(
    State(inbox): State<Inbox>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let path = format!("/{name}");
    inbox.received.lock().unwrap().push(Received {
        path: path.clone(),
        headers,
        body: body.to_vec(),
    });
    let next = inbox
        .script
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    StatusCode::from_u16(next.unwrap_or(200)).unwrap()
}

/// The signature `secret` makes of a request, as the Standard Webhooks
/// specification defines it: `v1,` and the base64 HMAC-SHA256, keyed with
/// the base64-decoded part after `whsec_`, of `{id}.{timestamp}.{body}`.
pub fn expected_signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// Whether one of the request's signatures is `secret`'s (and its
/// timestamp within the five minutes receivers allow).
pub fn signed_by(received: &Received, secret: &str) -> bool {
    let (id, timestamp) = (
        received.header("webhook-id"),
        received.header("webhook-timestamp"),
    );
    let at: i64 = timestamp.parse().expect("unix seconds");
    assert!(
        (chrono::Utc::now().timestamp() - at).abs() < 300,
        "timestamp {at}"
    );
    let expected = expected_signature(secret, id, timestamp, &received.body);
    received
        .header("webhook-signature")
        .split(' ')
        .any(|signature| signature == expected)
}

/// The body every endpoint is created with in these tests.
pub fn endpoint(url: &str, events: &[&str]) -> Value {
    json!({ "url": url, "description": "Test receiver", "events": events })
}
