//! What the contributions API tests start from: a tenant with a treasurer
//! signed in through the API, payers with names, and payments written
//! straight into the tenant's tables at chosen times.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::Value;
use tessera::auth::{Role, Scope};
use tessera::tenancy::Tenant;

use crate::helpers::api_client::{self, Reply};
use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config};

pub const PASSWORD: &str = "a long enough pass phrase 42";

/// An application whose API rate limit does not get in a test's way.
pub async fn app() -> TestApp {
    let mut config = test_config();
    config.api.rate_per_second = 10_000;
    config.api.rate_burst = 10_000;
    spawn_app_with(shared_database().await, config).await
}

/// A tenant and its treasurer's access token.
pub struct Desk {
    pub tenant: Arc<Tenant>,
    pub host: String,
    pub treasurer: i64,
    pub token: String,
}

pub async fn desk(app: &TestApp, prefix: &str) -> Desk {
    let (tenant, _) = app.create_tenant(prefix, "Contributions").await;
    let host = tenant.default_host.to_string();
    let email = format!("treasurer@{prefix}.test");
    let treasurer = person(
        app,
        &tenant,
        &email,
        "Tess Treasurer",
        Role::Treasurer,
        true,
    )
    .await;
    let (token, _) = api_client::login(app, &host, &email, PASSWORD).await;
    Desk {
        tenant,
        host,
        treasurer,
        token,
    }
}

/// An active account named `name`; with a password when `can_sign_in`.
pub async fn person(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    email: &str,
    name: &str,
    role: Role,
    can_sign_in: bool,
) -> i64 {
    let hash = match can_sign_in {
        true => Some(app.state.auth.passwords.hash(PASSWORD).await.expect("hash")),
        false => None,
    };
    let mut tx = app.tenant_tx(tenant).await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (email, display_name, role, status, password_hash, email_verified_at)
         VALUES ($1, $2, $3, 'active', $4, now()) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(hash)
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("account");
    tx.commit().await.expect("commit");
    id
}

/// A payment to insert.
pub struct Pay<'a> {
    pub payer: i64,
    pub minor: i64,
    pub method: &'a str,
    pub status: &'a str,
    pub refunded: i64,
    pub received_on: NaiveDate,
    /// Seconds before now it was recorded (larger: older).
    pub age_s: i64,
    pub note: Option<&'a str>,
}

impl Default for Pay<'_> {
    fn default() -> Self {
        Self {
            payer: 0,
            minor: 2500,
            method: "cash",
            status: "paid",
            refunded: 0,
            received_on: Utc::now().date_naive(),
            age_s: 0,
            note: None,
        }
    }
}

pub async fn pay(app: &TestApp, tenant: &Arc<Tenant>, pay: Pay<'_>) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let at = Utc::now() - Duration::seconds(pay.age_s);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payments (payer_id, amount_minor, refunded_minor, currency, method, status,
                               received_on, created_at, note)
         VALUES ($1, $2, $3, 'EUR', $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(pay.payer)
    .bind(pay.minor)
    .bind(pay.refunded)
    .bind(pay.method)
    .bind(pay.status)
    .bind(pay.received_on)
    .bind(at)
    .bind(pay.note)
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("payment");
    tx.commit().await.expect("commit");
    id
}

/// Runs one statement in the tenant's schema and returns the first column
/// of its one row as an integer (`count(*)`, an id …).
pub async fn scalar(app: &TestApp, tenant: &Arc<Tenant>, sql: &str) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let value: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect(sql);
    tx.commit().await.expect("commit");
    value
}

/// An API key with these scopes (keys are made by, and act as, an admin).
pub async fn key(app: &TestApp, desk: &Desk, scopes: &[&str]) -> String {
    let scopes: Vec<Scope> = scopes.iter().map(|s| s.parse().expect("scope")).collect();
    static KEYS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = KEYS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let admin = person(
        app,
        &desk.tenant,
        &format!("admin{n}@keys.test"),
        "Admin",
        Role::Admin,
        false,
    )
    .await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    let (_, key) = tessera::auth::api_keys::create(&mut tx, admin, "test", &scopes)
        .await
        .expect("key");
    tx.commit().await.expect("commit");
    key
}

pub async fn get(app: &TestApp, host: &str, path: &str, token: &str) -> Reply {
    api_client::get(app, host, path, Some(token)).await
}

pub async fn send(
    app: &TestApp,
    method: &str,
    host: &str,
    path: &str,
    body: &Value,
    token: &str,
) -> Reply {
    api_client::call(app, method, host, path, body, Some(token)).await
}

/// The `payer_name`s of a page, in order.
pub fn names(reply: &Reply) -> Vec<String> {
    reply.json["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["payer_name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of a page, in order.
pub fn ids(reply: &Reply) -> Vec<i64> {
    reply.json["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["id"].as_i64()).collect())
        .unwrap_or_default()
}
