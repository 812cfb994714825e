//! A stateful local Stripe for one test: `localstripe` from PyPI (pinned,
//! in a venv made once per target folder), started through
//! `tests/fixtures/stripe/localstripe_checkout.py`, which adds the Checkout
//! Sessions it lacks (see that file). Its customers, payment methods,
//! payment intents, charges and refunds are its own; its events are read
//! back from `GET /v1/events` and delivered to Tessera by the test, signed
//! with the endpoint's secret exactly as Stripe signs them. The server
//! dies with its `LocalStripe`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::process::{Child, Command};

/// Any `sk_` key opens localstripe.
pub const SECRET_KEY: &str = "sk_test_tessera0000000000000000";

/// A venv's python, with localstripe installed.
fn python() -> PathBuf {
    super::venv::tool(
        "localstripe-venv-1.15.10",
        &["localstripe==1.15.10"],
        "python",
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

pub struct LocalStripe {
    pub base: String,
    http: reqwest::Client,
    _child: Child,
}

impl LocalStripe {
    pub async fn start() -> Self {
        let python = tokio::task::spawn_blocking(python).await.expect("venv");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/stripe/localstripe_checkout.py");
        let port = free_port();
        let child = Command::new(python)
            .arg(script)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("localstripe starts");
        let server = Self {
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _child: child,
        };
        let started = std::time::Instant::now();
        loop {
            if server.get("/v1/balance").await.0 == 200 {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "localstripe did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        server
    }

    /// The `[stripe]` settings that reach this server.
    pub fn configure(&self, config: &mut tessera::config::Config) {
        config.stripe.api_base = self.base.clone();
        config.stripe.allow_http = true;
    }

    /// `GET path` with the key: (status, JSON when it answered).
    pub async fn get(&self, path: &str) -> (u16, Option<Value>) {
        match self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(SECRET_KEY)
            .send()
            .await
        {
            Ok(reply) => (reply.status().as_u16(), reply.json().await.ok()),
            Err(_) => (0, None),
        }
    }

    /// `POST path` with a form and the key.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let reply = self
            .http
            .post(url)
            .bearer_auth(SECRET_KEY)
            .form(form)
            .send()
            .await
            .expect("localstripe answers");
        let status = reply.status().as_u16();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    /// The member fills Stripe's page in at `checkout_url` with `card`.
    pub async fn pay(&self, checkout_url: &str, card: &str) -> (u16, Value) {
        self.post(&format!("{checkout_url}/pay"), &[("card", card)])
            .await
    }

    /// Every event so far, oldest first.
    pub async fn events(&self) -> Vec<Value> {
        let (status, body) = self.get("/v1/events?limit=100").await;
        assert_eq!(status, 200, "{body:?}");
        let mut events = body.expect("events")["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        events.sort_by_key(|e| e["created"].as_i64().unwrap_or_default());
        events
    }
}

/// `Stripe-Signature` for `body` at `t` under `secret`, as Stripe writes it.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={t},v1={hex}")
}
