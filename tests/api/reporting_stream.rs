//! Live figures over server-sent events (`/api/v1/dashboard/stream`,
//! `/dashboard/stream`): a payment recorded through one instance reaches a
//! stream open on another within a second; only treasurers and admins
//! open a stream; a tenant's stream never carries another's events; the
//! bound per tenant holds and a closed stream frees its slot; a write
//! rolled back publishes nothing; streams end when the server stops.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::config::Config;
use tessera::live::LiveEvent;

use crate::contributions_fixture::{Desk, PASSWORD, desk, key, person};
use crate::helpers::api_client::{self, Reply};
use crate::helpers::browser::Browser;
use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config};

const STREAM: &str = "/api/v1/dashboard/stream";
const SECOND: Duration = Duration::from_secs(1);

fn config() -> Config {
    let mut config = test_config();
    config.api.rate_per_second = 10_000;
    config.api.rate_burst = 10_000;
    config
}

async fn instance(config: Config) -> TestApp {
    spawn_app_with(shared_database().await, config).await
}

/// An open stream, read event by event.
struct Events {
    response: reqwest::Response,
    buffer: String,
}

impl Events {
    /// The next event (`name`, JSON data) within `within`, comments skipped.
    async fn next(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut name, mut data) = (String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(value) = line.strip_prefix("event:") {
                        name = value.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push_str(value.trim_start());
                    }
                }
                if data.is_empty() {
                    continue;
                }
                return Some((name, serde_json::from_str(&data).expect("JSON data")));
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// The next event that is not `totals`.
    async fn next_change(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let (name, data) = self.next(left).await?;
            if name != "totals" {
                return Some((name, data));
            }
        }
    }

    /// Whether the server ends the stream within `within`.
    async fn ends(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            match tokio::time::timeout(left, self.response.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}

/// `GET` the API stream with a bearer token (or none).
async fn request(app: &TestApp, host: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app
        .http
        .get(format!("http://{}{STREAM}", app.addr))
        .header("host", host);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.send().await.expect("stream request")
}

/// An open stream of `desk`'s tenant, its opening totals read.
async fn open(app: &TestApp, desk: &Desk) -> (Events, Value) {
    let response = request(app, &desk.host, Some(&desk.token)).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    let (name, totals) = events.next(5 * SECOND).await.expect("opening totals");
    assert_eq!(name, "totals");
    (events, totals)
}

async fn pay(app: &TestApp, desk: &Desk, payer: i64, minor: i64) -> Reply {
    static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body = json!({ "payer_id": payer, "amount": { "minor": minor, "currency": "EUR" }, "method": "cash" });
    let request = app
        .http
        .post(format!("http://{}/api/v1/payments", app.addr))
        .header(
            "Idempotency-Key",
            format!("live-{}-{n}", std::process::id()),
        )
        .json(&body);
    let reply = api_client::send(app, request, &desk.host, Some(&desk.token)).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply
}

async fn payer(app: &TestApp, desk: &Desk, name: &str) -> i64 {
    let email = format!("{}@payers.test", name.to_lowercase().replace(' ', "."));
    person(app, &desk.tenant, &email, name, Role::Member, false).await
}

#[tokio::test]
async fn a_payment_through_one_instance_reaches_a_stream_on_another_within_a_second() {
    let one = instance(config()).await;
    let two = instance(config()).await;
    let desk = desk(&one, "live-two").await;
    let anne = payer(&one, &desk, "Anne Live").await;
    let (mut events, opening) = open(&two, &desk).await;
    assert_eq!(opening["values"]["payments_today"], 0, "{opening}");

    let started = Instant::now();
    let paid = pay(&one, &desk, anne, 3000).await;
    let (name, payment) = events
        .next_change(SECOND)
        .await
        .expect("the payment within 1 s");
    let took = started.elapsed();
    assert!(took < SECOND, "took {took:?}");
    assert_eq!(name, "payment");
    assert_eq!(payment["id"], paid.json["id"]);
    assert_eq!(payment["amount"], "30.00");
    assert_eq!(payment["currency"], "EUR");
    assert_eq!(payment["change"], "paid");
    assert_eq!(payment["payer"], "Anne Live");
    let text = payment["text"].as_str().unwrap();
    assert!(text.contains("Anne Live") && text.contains("30"), "{text}");

    // The totals follow, read after the payment.
    let (name, totals) = events.next(2 * SECOND).await.expect("totals");
    assert_eq!(name, "totals");
    assert_eq!(totals["values"]["payments_today"], 1, "{totals}");
    assert_eq!(totals["values"]["collected"], "30.00", "{totals}");
    assert!(
        totals["figures"]["collected"]
            .as_str()
            .unwrap()
            .contains("30")
    );

    // A sign-up through instance one shows too.
    let body = json!({ "email": "newcomer@live.test", "password": PASSWORD, "display_name": "Nora Newcomer" });
    let reply = api_client::post(&one, &desk.host, "/api/v1/auth/register", &body, None).await;
    assert_eq!(reply.status, 202, "{reply:?}");
    let (name, signup) = events
        .next_change(SECOND)
        .await
        .expect("the sign-up within 1 s");
    assert_eq!(name, "signup");
    assert_eq!(signup["name"], "Nora Newcomer");
    eprintln!("payment through instance one seen on instance two after {took:?}");
}

#[tokio::test]
async fn only_treasurers_and_admins_open_the_stream() {
    let app = instance(config()).await;
    let desk = desk(&app, "live-who").await;
    let other = crate::contributions_fixture::desk(&app, "live-who-b").await;
    let host = desk.host.as_str();
    for (role, email) in [
        (Role::Member, "member@live.test"),
        (Role::Editor, "editor@live.test"),
    ] {
        person(&app, &desk.tenant, email, "Someone", role, true).await;
        let (token, _) = api_client::login(&app, host, email, PASSWORD).await;
        let response = request(&app, host, Some(&token)).await;
        assert_eq!(response.status(), 403, "{role:?}");
    }
    let response = request(&app, host, None).await;
    assert_eq!(response.status(), 401);
    // Another tenant's treasurer's token is no credential here.
    let response = request(&app, host, Some(&other.token)).await;
    assert_eq!(response.status(), 401);
    // A key needs reporting:read.
    let without = key(&app, &desk, &["contributions:read"]).await;
    assert_eq!(request(&app, host, Some(&without)).await.status(), 403);
    let with = key(&app, &desk, &["reporting:read"]).await;
    assert_eq!(request(&app, host, Some(&with)).await.status(), 200);

    // The browser's door: a session cookie.
    let member = person(
        &app,
        &desk.tenant,
        "m2@live.test",
        "Member",
        Role::Member,
        false,
    )
    .await;
    let page = |browser: &Browser| {
        let cookie = format!("__Host-session={}", browser.session().unwrap());
        app.http
            .get(browser.url("/dashboard/stream"))
            .header("host", host)
            .header("cookie", cookie)
    };
    let browser = Browser::signed_in_as(&app, &desk.tenant, member, Role::Member).await;
    assert_eq!(page(&browser).send().await.unwrap().status(), 403);
    let browser = Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let response = page(&browser).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let mut events = Events {
        response,
        buffer: String::new(),
    };
    assert_eq!(
        events.next(5 * SECOND).await.map(|e| e.0).as_deref(),
        Some("totals")
    );
    // Another tenant's session is not a session here.
    let foreign =
        Browser::signed_in_as(&app, &other.tenant, other.treasurer, Role::Treasurer).await;
    let status = page(&foreign).send().await.unwrap().status();
    assert!(
        status.is_redirection() || status == 401 || status == 403,
        "{status}"
    );
    let anonymous = app
        .http
        .get(browser.url("/dashboard/stream"))
        .header("host", host);
    assert_ne!(anonymous.send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_tenants_stream_never_carries_another_tenants_events() {
    let app = instance(config()).await;
    let a = desk(&app, "live-a").await;
    let b = desk(&app, "live-b").await;
    let (anne, bob) = (
        payer(&app, &a, "Anne Alpha").await,
        payer(&app, &b, "Bob Beta").await,
    );
    let (mut on_a, _) = open(&app, &a).await;
    let (mut on_b, _) = open(&app, &b).await;

    pay(&app, &b, bob, 1000).await;
    pay(&app, &a, anne, 2000).await;
    let (_, first) = on_a.next_change(2 * SECOND).await.expect("A's payment");
    assert_eq!(first["payer"], "Anne Alpha", "{first}");
    let (_, first) = on_b.next_change(2 * SECOND).await.expect("B's payment");
    assert_eq!(first["payer"], "Bob Beta", "{first}");
    // Nor their totals: A's count only A's payment.
    let (name, totals) = on_a.next(2 * SECOND).await.expect("A's totals");
    assert_eq!(name, "totals");
    assert_eq!(totals["values"]["payments_today"], 1, "{totals}");
    assert_eq!(totals["values"]["collected"], "20.00", "{totals}");
    assert!(
        on_a.next_change(SECOND / 2).await.is_none(),
        "A heard something else"
    );
}

#[tokio::test]
async fn the_bound_per_tenant_holds_and_a_closed_stream_frees_its_slot() {
    let mut config = config();
    config.reporting.streams_per_tenant = 2;
    let app = instance(config).await;
    let desk = desk(&app, "live-bound").await;
    let other = crate::contributions_fixture::desk(&app, "live-bound-b").await;
    let (first, _) = open(&app, &desk).await;
    let (_second, _) = open(&app, &desk).await;

    let refused = api_client::get(&app, &desk.host, STREAM, Some(&desk.token)).await;
    assert_eq!(refused.status, 429, "{refused:?}");
    assert!(refused.is_problem());
    assert_eq!(refused.code(), "too-many-streams");
    assert!(
        refused.json["detail"]
            .as_str()
            .unwrap()
            .contains("2 live streams")
    );
    assert!(refused.headers.contains_key("retry-after"));
    // Another tenant's bound is its own.
    let (_elsewhere, _) = open(&app, &other).await;

    drop(first);
    let deadline = Instant::now() + 5 * SECOND;
    loop {
        let response = request(&app, &desk.host, Some(&desk.token)).await;
        if response.status() == 200 {
            break;
        }
        assert_eq!(response.status(), 429);
        assert!(
            Instant::now() < deadline,
            "the closed stream's slot was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_write_rolled_back_publishes_nothing() {
    let app = instance(config()).await;
    let desk = desk(&app, "live-rollback").await;
    let (mut events, _) = open(&app, &desk).await;

    let mut tx = app.tenant_tx(&desk.tenant).await;
    let ghost = LiveEvent::signup(1, "Ghost");
    tessera::live::publish(&mut tx, &ghost).await.unwrap();
    drop(tx); // rolled back
    let mut tx = app.tenant_tx(&desk.tenant).await;
    tessera::live::publish(&mut tx, &LiveEvent::signup(2, "Real"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let (_, first) = events
        .next_change(2 * SECOND)
        .await
        .expect("the committed event");
    assert_eq!(first["name"], "Real");

    // A refused payment (an unknown payer) publishes nothing either.
    let body = json!({ "payer_id": 999_999, "amount": { "minor": 100, "currency": "EUR" }, "method": "cash" });
    let request = app
        .http
        .post(format!("http://{}/api/v1/payments", app.addr))
        .header("Idempotency-Key", "live-refused")
        .json(&body);
    let reply = api_client::send(&app, request, &desk.host, Some(&desk.token)).await;
    assert_eq!(reply.status, 422, "{reply:?}");
    assert!(events.next_change(SECOND / 2).await.is_none());
}

#[tokio::test]
async fn streams_end_when_the_server_stops() {
    let app = instance(config()).await;
    let desk = desk(&app, "live-stop").await;
    let (mut events, _) = open(&app, &desk).await;
    drop(app);
    assert!(
        events.ends(5 * SECOND).await,
        "the stream outlived the server"
    );
}
