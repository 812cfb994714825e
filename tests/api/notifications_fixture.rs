//! What the notifications tests share: an app whose jobs run by hand and
//! whose mails reach an SMTP sink, a local push service (a small axum
//! server on 127.0.0.1:0 that records what it receives and answers a
//! status of the test's choosing), browser-side devices (their own P-256
//! key pair and auth secret), and the two checks a real push service and
//! browser make: the VAPID JWT (ES256, audience) and RFC 8291 decryption,
//! both written here with aws-lc-rs, independently of the crates the server
//! uses to sign and encrypt.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use aws_lc_rs::aead::{AES_128_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, ECDH_P256, PrivateKey, UnparsedPublicKey};
use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use aws_lc_rs::signature::{self, ECDSA_P256_SHA256_FIXED};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::notifications::{Audience, Fanout, Kind, Notice};
use tessera::tenancy::Tenant;

use crate::account_flow::mailing_config;
use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{login, post};
use crate::helpers::browser::create_account;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{TestApp, migrated_database, spawn_app_with};

/// An app on a database of its own (its jobs are the test's only), jobs
/// run by [`drain`], mails to `sink`, loopback push endpoints allowed.
pub async fn app(sink: &SmtpSink) -> TestApp {
    let mut config = mailing_config(sink);
    config.jobs.workers = 0;
    config.notifications.allow_loopback_push = true;
    spawn_app_with(migrated_database().await, config).await
}

/// Runs every due job (deliveries, then the mails they queued).
pub async fn drain(app: &TestApp) {
    let worker = tessera::app::job_worker(&app.state);
    while !worker.run_once().await.expect("jobs run").is_empty() {}
}

/// What a producer does: a notice in its own transaction.
pub async fn notify(app: &TestApp, tenant: &Arc<Tenant>, notice: Notice) -> Fanout {
    let mut tx = app.tenant_tx(tenant).await;
    let fanout = tessera::notifications::notify(&mut tx, notice)
        .await
        .expect("notified");
    tx.commit().await.expect("commit");
    fanout
}

pub fn notice(kind: Kind, audience: Audience, title: &str) -> Notice {
    Notice {
        kind,
        audience,
        title: title.to_owned(),
        body: format!("About {title}."),
        url: "/membership".to_owned(),
    }
}

/// A count from the tenant's schema.
pub async fn count(app: &TestApp, tenant: &Arc<Tenant>, sql: &str, id: i64) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(id)
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("count");
    tx.commit().await.expect("commit");
    n
}

/// One request the push service received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

#[derive(Clone, Default)]
struct Inbox {
    received: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

/// A push service on loopback.
pub struct PushService {
    pub addr: SocketAddr,
    inbox: Inbox,
}

impl PushService {
    pub async fn start() -> Self {
        let inbox = Inbox::default();
        inbox.status.store(201, Ordering::SeqCst);
        let router = axum::Router::new()
            .route("/push/{device}", axum::routing::post(receive))
            .with_state(inbox.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { addr, inbox }
    }

    /// The status every later request gets.
    pub fn answer(&self, status: u16) {
        self.inbox.status.store(status, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }

    /// What `device` received.
    pub fn received_by(&self, device: &Device) -> Vec<Received> {
        let path = format!("/push/{}", device.name);
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn receive(
    State(inbox): State<Inbox>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    inbox.received.lock().unwrap().push(Received {
        path: uri.path().to_owned(),
        headers,
        body: body.to_vec(),
    });
    StatusCode::from_u16(inbox.status.load(Ordering::SeqCst)).unwrap()
}

/// A browser's side of a subscription.
pub struct Device {
    pub name: String,
    pub endpoint: String,
    private: PrivateKey,
    pub public: Vec<u8>,
    pub auth: [u8; 16],
}

impl Device {
    pub fn new(service: &PushService, name: &str) -> Self {
        let private = PrivateKey::generate(&ECDH_P256).expect("key pair");
        let public = private
            .compute_public_key()
            .expect("public")
            .as_ref()
            .to_vec();
        Self {
            name: name.to_owned(),
            endpoint: format!("{}/push/{name}", service.origin()),
            private,
            public,
            auth: rand::random(),
        }
    }

    /// What `PushSubscription.toJSON()` gives.
    pub fn subscription(&self) -> Value {
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(&self.public),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            }
        })
    }

    /// Decrypts an `aes128gcm` push body (RFC 8188 framing, RFC 8291 keys)
    /// as the browser does.
    pub fn decrypt(&self, body: &[u8]) -> Vec<u8> {
        let (salt, rest) = body.split_at(16);
        let record_size = u32::from_be_bytes(rest[..4].try_into().unwrap());
        let id_len = rest[4] as usize;
        let (server_public, ciphertext) = rest[5..].split_at(id_len);
        assert_eq!(id_len, 65, "the key id is the server's public key");
        assert!(ciphertext.len() <= record_size as usize, "one record");
        let secret = agreement::agree(
            &self.private,
            UnparsedPublicKey::new(&ECDH_P256, server_public),
            "agreement",
            |secret| Ok(secret.to_vec()),
        )
        .unwrap();
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public);
        info.extend_from_slice(server_public);
        let ikm = expand(
            &Salt::new(HKDF_SHA256, &self.auth).extract(&secret),
            &info,
            32,
        );
        let prk = Salt::new(HKDF_SHA256, salt).extract(&ikm);
        let cek = expand(&prk, b"Content-Encoding: aes128gcm\0", 16);
        let nonce = expand(&prk, b"Content-Encoding: nonce\0", 12);
        let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &cek).unwrap());
        let mut buffer = ciphertext.to_vec();
        let nonce = Nonce::try_assume_unique_for_key(&nonce).unwrap();
        let plain = key
            .open_in_place(nonce, Aad::empty(), &mut buffer)
            .expect("the body decrypts with the device's keys");
        // The last record ends with 0x02, then optional zero padding.
        let end = plain.iter().rposition(|b| *b != 0).expect("a delimiter");
        assert_eq!(plain[end], 2, "last-record delimiter");
        plain[..end].to_vec()
    }
}

struct Len(usize);

impl KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn expand(prk: &aws_lc_rs::hkdf::Prk, info: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0; len];
    let info = [info];
    prk.expand(&info, Len(len)).unwrap().fill(&mut out).unwrap();
    out
}

/// Checks `Authorization: vapid t=<JWT>, k=<key>` as a push service does
/// (RFC 8292): ES256 over the token with key `k`, which must be
/// `expected_key`, an audience that is the endpoint's origin, an expiry
/// within 24 hours, a contact. Returns the claims.
pub fn verify_vapid(headers: &HeaderMap, audience: &str, expected_key: &str) -> Value {
    let value = headers["authorization"].to_str().unwrap();
    let rest = value.strip_prefix("vapid t=").expect("vapid scheme");
    let (token, key) = rest.split_once(", k=").expect("t and k");
    assert_eq!(key, expected_key, "signed with the tenant's key");
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let public = URL_SAFE_NO_PAD.decode(key).unwrap();
    signature::UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
        .verify(
            signed.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .expect("the JWT's ES256 signature verifies with k");
    let (header, claims) = signed.split_once('.').unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "ES256");
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
    assert_eq!(claims["aud"], audience);
    let exp = claims["exp"].as_i64().unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!(exp > now && exp <= now + 24 * 3600, "exp {exp}");
    assert!(
        claims["sub"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://") || s.starts_with("mailto:")),
        "{claims}"
    );
    claims
}

/// An active account of `tenant` and its access token.
pub async fn member(app: &TestApp, tenant: &Arc<Tenant>, email: &str, role: Role) -> (i64, String) {
    let id = create_account(app, tenant, email, PASSWORD, role).await;
    let (token, _) = login(app, tenant.default_host.as_str(), email, PASSWORD).await;
    (id, token)
}

pub const DEVICES: &str = "/api/v1/notifications/subscriptions";

/// Subscribes `device` through the API; returns its id.
pub async fn subscribe(app: &TestApp, tenant: &Arc<Tenant>, token: &str, device: &Device) -> i64 {
    let host = tenant.default_host.as_str();
    let reply = post(app, host, DEVICES, &device.subscription(), Some(token)).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.json["id"].as_i64().unwrap()
}

/// `POST /api/v1/notifications/{id}/read`: the status.
pub async fn mark_read(app: &TestApp, host: &str, token: &str, id: i64) -> u16 {
    let path = format!("/api/v1/notifications/{id}/read");
    post(app, host, &path, &json!({}), Some(token)).await.status
}

/// A notice of `kind` to `audience`, fanned out.
pub async fn send(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    kind: Kind,
    audience: Audience,
    title: &str,
) -> Fanout {
    notify(app, tenant, notice(kind, audience, title)).await
}
