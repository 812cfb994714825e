//! What the documents tests share: an application on either store (a
//! local folder of its own, or a fresh s3s-fs bucket), a tenant with an
//! administrator, an editor and a member, multipart bodies written by hand
//! (so a test chooses each part's declared type and their order), sample
//! files, and what is in storage and in the table.

use std::sync::Arc;

use reqwest::header::{CONTENT_TYPE, COOKIE, HOST, LOCATION};
use serde_json::Value;
use tessera::auth::Role;
use tessera::config::{Config, StorageBackend};
use tessera::tenancy::Tenant;

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{Reply, login, send};
use crate::helpers::browser::{Browser, Page, create_account};
use crate::helpers::s3::S3Server;
use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config};

/// Runs each named test (an `async fn(Store)`) once per store, as
/// `<name>::local` and `<name>::s3`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn local() {
                super::$name($crate::documents_fixture::Store::Local).await
            }
            #[tokio::test]
            async fn s3() {
                super::$name($crate::documents_fixture::Store::S3).await
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    Local,
    S3,
}

/// An application whose storage is this test's alone.
pub struct DocApp {
    pub app: TestApp,
    pub s3: Option<S3Server>,
    _dir: tempfile::TempDir,
}

pub async fn doc_app(store: Store) -> DocApp {
    doc_app_with(store, |_| {}).await
}

pub async fn doc_app_with(store: Store, adjust: impl FnOnce(&mut Config)) -> DocApp {
    let dir = tempfile::tempdir().expect("storage dir");
    let mut config = test_config();
    config.storage.dir = Some(dir.path().to_owned());
    let s3 = match store {
        Store::Local => None,
        Store::S3 => Some(S3Server::start().await),
    };
    if let Some(s3) = &s3 {
        config.storage.backend = StorageBackend::S3;
        config.storage.s3 = Some(s3.config());
    }
    adjust(&mut config);
    let app = spawn_app_with(shared_database().await, config).await;
    DocApp { app, s3, _dir: dir }
}

/// A tenant and its people: an admin and an editor (with API tokens) and
/// a member (with a token and a signed-in browser).
pub struct Club {
    pub tenant: Arc<Tenant>,
    pub host: String,
    pub admin: String,
    pub editor: String,
    pub editor_id: i64,
    pub member: String,
    pub member_id: i64,
}

pub async fn club(app: &TestApp, prefix: &str) -> Club {
    let (tenant, _) = app.create_tenant(prefix, "Club des documents").await;
    let host = tenant.default_host.to_string();
    let mut tokens = Vec::new();
    let mut ids = Vec::new();
    for (who, role) in [
        ("admin", Role::Admin),
        ("editor", Role::Editor),
        ("member", Role::Member),
    ] {
        let email = format!("{who}@{prefix}.example");
        ids.push(create_account(app, &tenant, &email, PASSWORD, role).await);
        tokens.push(login(app, &host, &email, PASSWORD).await.0);
    }
    let [admin, editor, member] = <[String; 3]>::try_from(tokens).expect("three tokens");
    Club {
        tenant,
        host,
        admin,
        editor,
        editor_id: ids[1],
        member,
        member_id: ids[2],
    }
}

impl Club {
    pub async fn browser<'a>(&self, app: &'a TestApp, role: Role) -> Browser<'a> {
        let id = match role {
            Role::Member => self.member_id,
            _ => self.editor_id,
        };
        Browser::signed_in_as(app, &self.tenant, id, role).await
    }
}

/// One part of a multipart body.
pub struct Part<'a> {
    pub name: &'a str,
    /// Set for a file part.
    pub file_name: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub bytes: Vec<u8>,
}

pub fn field<'a>(name: &'a str, value: &str) -> Part<'a> {
    Part {
        name,
        file_name: None,
        content_type: None,
        bytes: value.as_bytes().to_vec(),
    }
}

pub fn file<'a>(file_name: &'a str, content_type: &'a str, bytes: &[u8]) -> Part<'a> {
    Part {
        name: "file",
        file_name: Some(file_name),
        content_type: Some(content_type),
        bytes: bytes.to_vec(),
    }
}

/// `(content type, body)` of a `multipart/form-data` request.
pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----tessera-test-boundary-7d1f";
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(file_name) = part.file_name {
            disposition.push_str(&format!("; filename=\"{file_name}\""));
        }
        body.extend_from_slice(disposition.as_bytes());
        body.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(&part.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `POST /api/v1/documents` with `parts`.
pub async fn upload_api(app: &TestApp, host: &str, token: &str, parts: &[Part<'_>]) -> Reply {
    let (content_type, body) = multipart(parts);
    let request = app
        .http
        .post(format!("http://{}/api/v1/documents", app.addr))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    send(app, request, host, Some(token)).await
}

/// Uploads `bytes` as `name` with `visibility`; the new document's id.
pub async fn add(
    app: &TestApp,
    club: &Club,
    name: &str,
    kind: &str,
    bytes: &[u8],
    visibility: &str,
) -> i64 {
    let parts = [field("visibility", visibility), file(name, kind, bytes)];
    let reply = upload_api(app, &club.host, &club.editor, &parts).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.json["id"].as_i64().expect("id")
}

/// The upload page's form, posted by `browser`: its CSRF token first, as
/// the page's form sends it.
pub async fn upload_page(browser: &mut Browser<'_>, parts: Vec<Part<'_>>) -> Page {
    let token = browser.csrf();
    let mut all = vec![field("csrf_token", &token)];
    all.extend(parts);
    let (content_type, body) = multipart(&all);
    let request = browser
        .app
        .http
        .post(browser.url("/documents/new"))
        .header(CONTENT_TYPE, content_type)
        .body(body);
    browser.send(request).await
}

/// GETs `path` with `Host: host` and, if given, the browser's cookies;
/// the status, the `Location` and the body.
pub async fn fetch(
    app: &TestApp,
    host: &str,
    path: &str,
    cookies: Option<&str>,
) -> (u16, Option<String>, Vec<u8>) {
    let mut request = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header(HOST, host);
    if let Some(cookies) = cookies {
        request = request.header(COOKIE, cookies);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        location,
        response.bytes().await.expect("body").to_vec(),
    )
}

/// The file of document `id` as `token` downloads it through the API,
/// following a presigned redirect (to the store) when there is one.
pub async fn content(app: &TestApp, host: &str, id: i64, token: Option<&str>) -> (u16, Vec<u8>) {
    let path = format!("/api/v1/documents/{id}/content");
    let mut request = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header(HOST, host);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let response = request.send().await.expect("request");
    if response.status().as_u16() != 303 {
        let status = response.status().as_u16();
        return (status, response.bytes().await.expect("body").to_vec());
    }
    let url = response.headers()[LOCATION]
        .to_str()
        .expect("location")
        .to_owned();
    let stored = app.http.get(url).send().await.expect("presigned get");
    (
        stored.status().as_u16(),
        stored.bytes().await.expect("body").to_vec(),
    )
}

/// The keys stored for `tenant`, sorted.
pub async fn stored(app: &TestApp, tenant: &Tenant) -> Vec<String> {
    let files = app.state.storage.list(tenant.id).await.expect("list");
    files.into_iter().map(|(key, _)| key.to_string()).collect()
}

/// The documents' rows of `tenant`.
pub async fn rows(app: &TestApp, tenant: &Arc<Tenant>) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM documents")
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("count");
    count
}

pub fn json_ids(reply: &Reply) -> Vec<i64> {
    reply.json["documents"]
        .as_array()
        .map(|all| all.iter().filter_map(|d| d["id"].as_i64()).collect())
        .unwrap_or_default()
}

pub fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().expect("id")
}

/// A small valid PDF (the demo's writer).
pub fn pdf(text: &str) -> Vec<u8> {
    tessera::seed::documents::text_pdf(&[text.to_owned()])
}
