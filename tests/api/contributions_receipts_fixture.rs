//! What the receipt tests share: members with addresses, payments with
//! receipts, what storage holds for them, and HTTP downloads as a member,
//! a treasurer or an API client.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, COOKIE, HOST};
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::api_auth::PASSWORD;
use crate::helpers::TestApp;
use crate::helpers::browser::{Browser, create_account};

/// A member with a name and a postal address.
pub async fn member(app: &TestApp, tenant: &Arc<Tenant>, email: &str, name: &str) -> i64 {
    let id = create_account(app, tenant, email, PASSWORD, Role::Member).await;
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query(
        "UPDATE accounts SET display_name = $2, street = '12 rue des Lilas',
                postal_code = '69001', town = 'Lyon', locale = 'fr' WHERE id = $1",
    )
    .bind(id)
    .bind(name)
    .execute(tx.conn().await.expect("conn"))
    .await
    .expect("address");
    tx.commit().await.expect("commit");
    id
}

/// A paid payment of `minor` cents by `payer` for `holder`'s yearly
/// membership, and its receipt `number` of 2026 (as `receipts::number`
/// would issue it). Returns the receipt's id.
pub async fn receipt(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    (holder, payer): (i64, i64),
    minor: i64,
    number: i32,
    cancelled: bool,
) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let conn = tx.conn().await.expect("conn");
    let plan: i64 = sqlx::query_scalar(
        "INSERT INTO plans (name, period) VALUES ('Adhésion annuelle', 'yearly') RETURNING id",
    )
    .fetch_one(&mut *conn)
    .await
    .expect("plan");
    let membership: i64 = sqlx::query_scalar(
        "INSERT INTO memberships (account_id, plan_id, payer_id, starts_on, ends_on,
                                  amount_minor, currency)
         VALUES ($1, $2, $3, '2026-09-01', '2027-08-31', $4, 'EUR') RETURNING id",
    )
    .bind(holder)
    .bind(plan)
    .bind(payer)
    .bind(minor)
    .fetch_one(&mut *conn)
    .await
    .expect("membership");
    let payment: i64 = sqlx::query_scalar(
        "INSERT INTO payments (payer_id, amount_minor, currency, method, status, received_on,
                               paid_at)
         VALUES ($1, $2, 'EUR', 'cheque', 'paid', '2026-09-14', now()) RETURNING id",
    )
    .bind(payer)
    .bind(minor)
    .fetch_one(&mut *conn)
    .await
    .expect("payment");
    sqlx::query(
        "INSERT INTO payment_allocations (payment_id, membership_id, amount_minor)
         VALUES ($1, $2, $3)",
    )
    .bind(payment)
    .bind(membership)
    .bind(minor)
    .execute(&mut *conn)
    .await
    .expect("allocation");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO receipts (year, number, payment_id, account_id, amount_minor, currency,
                               cancelled_at)
         VALUES (2026, $1, $2, $3, $4, 'EUR', CASE WHEN $5 THEN now() END) RETURNING id",
    )
    .bind(number)
    .bind(payment)
    .bind(holder)
    .bind(minor)
    .bind(cancelled)
    .fetch_one(&mut *conn)
    .await
    .expect("receipt");
    tx.commit().await.expect("commit");
    id
}

/// The receipt row's storage key and hash.
pub async fn stored_as(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    id: i64,
    void: bool,
) -> (Option<String>, Option<Vec<u8>>) {
    let mut tx = app.tenant_tx(tenant).await;
    let sql = if void {
        "SELECT void_storage_key, void_sha256 FROM receipts WHERE id = $1"
    } else {
        "SELECT storage_key, sha256 FROM receipts WHERE id = $1"
    };
    sqlx::query_as(sql)
        .bind(id)
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("row")
}

pub async fn stored(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    id: i64,
) -> (Option<String>, Option<Vec<u8>>) {
    stored_as(app, tenant, id, false).await
}

/// Waits for the app's own job worker to store the receipt's PDF (the
/// watermarked copy when `void`).
pub async fn rendered(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    id: i64,
    void: bool,
) -> (String, Vec<u8>) {
    let started = std::time::Instant::now();
    loop {
        if let (Some(key), Some(sha)) = stored_as(app, tenant, id, void).await {
            return (key, sha);
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never rendered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// GET with a session cookie or a bearer token; (status, headers, body).
pub async fn fetch(
    app: &TestApp,
    host: &str,
    path: &str,
    auth: Auth<'_>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut request = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header(HOST, host);
    request = match auth {
        Auth::Cookie(session) => request.header(COOKIE, format!("__Host-session={session}")),
        Auth::Bearer(token) => request.header(AUTHORIZATION, format!("Bearer {token}")),
        Auth::None => request,
    };
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (
        status,
        headers,
        response.bytes().await.expect("body").to_vec(),
    )
}

#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    None,
}

/// The text of a PDF, by poppler's `pdftotext` (installed by tests/run.sh).
pub fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("receipt.pdf");
    std::fs::write(&path, bytes).expect("write");
    // Raw order: the rotated watermark comes out as one line.
    let out = std::process::Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (apt-get install poppler-utils)");
    assert!(out.status.success(), "pdftotext: {out:?}");
    // Amounts are formatted with no-break spaces; poppler prints spaces.
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .replace(['\u{a0}', '\u{202f}'], " ")
}

pub async fn session(app: &TestApp, tenant: &Arc<Tenant>, account: i64, role: Role) -> String {
    let browser = Browser::signed_in_as(app, tenant, account, role).await;
    browser.session().expect("session").clone()
}
