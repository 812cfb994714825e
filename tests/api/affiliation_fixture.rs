//! What the affiliation tests start from: an association with a treasurer
//! (API token), a programme with rules, affiliates who joined through the
//! API, and a visitor's path end to end: a click on `/r/<code>` (its
//! cookie kept), a sign-up through the API with that cookie, payments
//! recorded by the treasurer.

use std::sync::Arc;

use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::contributions_fixture::{Desk, PASSWORD, desk, person, scalar};
use crate::helpers::TestApp;
use crate::helpers::api_client::{self, Reply};

pub use crate::contributions_fixture::app;

/// An association with a referral programme.
pub struct Club {
    pub desk: Desk,
    pub program: i64,
}

impl Club {
    pub fn host(&self) -> &str {
        &self.desk.host
    }

    pub fn tenant(&self) -> &Arc<Tenant> {
        &self.desk.tenant
    }

    pub fn token(&self) -> &str {
        &self.desk.token
    }
}

/// A tenant, its treasurer and a programme with `settings` (JSON, merged
/// over a name) and no rule yet.
pub async fn club(app: &TestApp, prefix: &str, settings: Value) -> Club {
    let desk = desk(app, prefix).await;
    let mut body = json!({ "name": "Friends bring friends", "holding_days": 30 });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), settings.as_object()) {
        body.extend(extra.clone());
    }
    let reply = api_client::post(
        app,
        &desk.host,
        "/api/v1/affiliation/programs",
        &body,
        Some(&desk.token),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.json);
    let program = reply.json["id"].as_i64().expect("program id");
    Club { desk, program }
}

/// Adds a rule (JSON terms); returns its id.
pub async fn rule(app: &TestApp, club: &Club, terms: Value) -> i64 {
    let path = format!("/api/v1/affiliation/programs/{}/rules", club.program);
    let reply = api_client::post(app, club.host(), &path, &terms, Some(club.token())).await;
    assert_eq!(reply.status, 201, "{:?}", reply.json);
    reply.json["id"].as_i64().expect("rule id")
}

/// A member who joined the programme: (account id, API token, first code).
pub struct Member {
    pub id: i64,
    pub token: String,
    pub code: String,
    pub affiliate: i64,
}

pub async fn affiliate(app: &TestApp, club: &Club, email: &str, name: &str) -> Member {
    let id = person(app, club.tenant(), email, name, Role::Member, true).await;
    let (token, _) = api_client::login(app, club.host(), email, PASSWORD).await;
    let reply = api_client::post(
        app,
        club.host(),
        "/api/v1/affiliate/join",
        &json!({ "program_id": club.program }),
        Some(&token),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.json);
    let affiliate = reply.json["id"].as_i64().expect("affiliate id");
    let links = api_client::get(app, club.host(), "/api/v1/affiliate/links", Some(&token)).await;
    let code = links.json[0]["code"]
        .as_str()
        .expect("a first link")
        .to_owned();
    Member {
        id,
        token,
        code,
        affiliate,
    }
}

/// `GET path` as a browser would send it, with `cookie` (`name=value`).
pub async fn visit(
    app: &TestApp,
    host: &str,
    path: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut headers = vec![("user-agent", "Mozilla/5.0 (test visitor)")];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    app.get_with(host, path, &headers).await
}

/// The `name=value` of the referral cookie a response sets, if any.
pub fn referral_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("ref=") || v.starts_with("__Host-ref="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// Clicks `/r/<code>` and returns the cookie it set.
pub async fn click(app: &TestApp, host: &str, code: &str, cookie: Option<&str>) -> Option<String> {
    let response = visit(app, host, &format!("/r/{code}"), cookie).await;
    assert_eq!(response.status(), 303, "a short link redirects");
    referral_cookie(&response)
}

/// Signs up through the API with `cookie` and an optional typed code;
/// returns the reply and the new account's id (if one was made).
pub async fn sign_up(
    app: &TestApp,
    club: &Club,
    email: &str,
    cookie: Option<&str>,
    code: Option<&str>,
) -> (Reply, Option<i64>) {
    let headers = [("user-agent", "Mozilla/5.0 (newcomer)")];
    sign_up_with(app, club, email, cookie, code, &headers).await
}

/// [`sign_up`] with the request headers given (user agent, address …).
pub async fn sign_up_with(
    app: &TestApp,
    club: &Club,
    email: &str,
    cookie: Option<&str>,
    code: Option<&str>,
    headers: &[(&str, &str)],
) -> (Reply, Option<i64>) {
    let body = json!({
        "email": email, "password": PASSWORD, "display_name": "Nina Newcomer", "referral_code": code,
    });
    let mut request = app
        .http
        .post(format!("http://{}/api/v1/auth/register", app.addr))
        .json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let reply = api_client::send(app, request, club.host(), None).await;
    let sql = format!("SELECT coalesce(max(id), 0) FROM accounts WHERE email = '{email}'");
    let id = scalar(app, club.tenant(), &sql).await;
    (reply, (id > 0).then_some(id))
}

/// A newcomer brought by `code` (a click, then a sign-up with its cookie).
pub async fn referred(app: &TestApp, club: &Club, code: &str, email: &str) -> i64 {
    let cookie = click(app, club.host(), code, None).await;
    let (reply, id) = sign_up(app, club, email, cookie.as_deref(), None).await;
    assert_eq!(reply.status, 202, "{:?}", reply.json);
    id.expect("account made")
}

/// Records a paid cash payment of `minor` cents by `payer` (treasurer).
pub async fn pay(app: &TestApp, club: &Club, payer: i64, minor: i64) -> i64 {
    let body = json!({
        "payer_id": payer, "amount": { "minor": minor, "currency": "EUR" }, "method": "cash",
    });
    let key = uuid::Uuid::new_v4().to_string();
    let request = app
        .http
        .post(format!("http://{}/api/v1/payments", app.addr))
        .header("Idempotency-Key", key)
        .json(&body);
    let reply = api_client::send(app, request, club.host(), Some(club.token())).await;
    assert_eq!(reply.status, 201, "{:?}", reply.json);
    reply.json["id"].as_i64().expect("payment id")
}

/// Refunds `minor` of `payment` (treasurer, with its own Idempotency-Key).
pub async fn refund(app: &TestApp, club: &Club, payment: i64, minor: i64) {
    let body =
        json!({ "amount": { "minor": minor, "currency": "EUR" }, "reason": "changed their mind" });
    let request = app
        .http
        .post(format!(
            "http://{}/api/v1/payments/{payment}/refund",
            app.addr
        ))
        .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
        .json(&body);
    let reply = api_client::send(app, request, club.host(), Some(club.token())).await;
    assert!(reply.status < 300, "{:?}", reply.json);
}

/// The programme's commission lines, newest first (staff API).
pub async fn lines(app: &TestApp, club: &Club) -> Vec<Value> {
    let path = format!("/api/v1/affiliation/programs/{}/commissions", club.program);
    let reply = api_client::get(app, club.host(), &path, Some(club.token())).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    reply.json.as_array().cloned().unwrap_or_default()
}

/// Runs the tenant's hourly sweep as of `now`.
pub async fn sweep(app: &TestApp, club: &Club, now: chrono::DateTime<chrono::Utc>) {
    let mut tx = app.tenant_tx(club.tenant()).await;
    tessera::affiliation::tenant::sweep(&mut tx, now)
        .await
        .expect("sweep");
    tx.commit().await.expect("commit");
}

/// `days` from now.
pub fn later(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::days(days)
}

/// The sum of the commission lines of `payment`, void ones left out.
pub async fn standing(app: &TestApp, club: &Club, payment: i64) -> i64 {
    let sql = format!(
        "SELECT coalesce(sum(amount_minor), 0)::bigint FROM aff_lines WHERE payment_id = {payment} AND status <> 'void'"
    );
    scalar(app, club.tenant(), &sql).await
}

/// Where the affiliate's payouts go, written as the payout page does.
pub async fn bank(app: &TestApp, club: &Club, affiliate: i64, payee: &str, iban: &str) {
    use tessera::affiliation::affiliates::{PayeeDetails, set_payee};
    let mut tx = app.tenant_tx(club.tenant()).await;
    let details = PayeeDetails {
        payee_name: payee.to_owned(),
        iban: iban.to_owned(),
        bic: None,
    };
    let mut books = tessera::affiliation::books::Books::tenant(&mut tx);
    set_payee(&mut books, affiliate, details)
        .await
        .expect("bank details");
    tx.commit().await.expect("commit");
}

/// The affiliate asks for a payout (API).
pub async fn request_payout(app: &TestApp, club: &Club, member: &Member) -> Reply {
    let path = "/api/v1/affiliate/payouts";
    api_client::post(app, club.host(), path, &json!({}), Some(&member.token)).await
}

/// The treasurer gathers the requests in a batch (API); its id.
pub async fn prepare_batch(app: &TestApp, club: &Club) -> i64 {
    let path = format!("/api/v1/affiliation/programs/{}/batches", club.program);
    let tomorrow = chrono::Utc::now().date_naive() + chrono::Days::new(1);
    let body = json!({ "execution_date": tomorrow });
    let reply = api_client::post(app, club.host(), &path, &body, Some(club.token())).await;
    assert_eq!(reply.status, 201, "{:?}", reply.json);
    reply.json["id"].as_i64().expect("batch id")
}

/// The bank executed `batch` (API); the payouts paid.
pub async fn mark_paid(app: &TestApp, club: &Club, batch: i64) -> Vec<i64> {
    let path = format!(
        "/api/v1/affiliation/programs/{}/batches/{batch}/paid",
        club.program
    );
    let body = json!({ "bank_reference": "VIR-2026-001" });
    let reply = api_client::post(app, club.host(), &path, &body, Some(club.token())).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    serde_json::from_value(reply.json).expect("payout ids")
}
