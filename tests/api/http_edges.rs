//! Requests a browser would not send but an attacker will: redirect targets
//! that leave the site, a request that names two hosts, a request id chosen
//! by the client. Written as raw HTTP where a client library would refuse.

use crate::helpers::raw_http::{RawResponse, exchange};
use crate::helpers::{TestApp, spawn_app};

async fn get(app: &TestApp, target: &str, headers: &str) -> RawResponse {
    let head = format!("GET {target} HTTP/1.1\r\n{headers}");
    exchange(app.addr, head.as_bytes()).await
}

/// True when a browser resolves `location` against our origin: a path that
/// does not start with `//` or `/\` (which browsers read as another host).
fn stays_on_this_host(location: &str) -> bool {
    let mut chars = location.chars();
    chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'))
}

#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("redirect", "Redirect").await;
    let host = format!("Host: {}", tenant.default_host);
    for target in [
        "//evil.example/?lang=en",
        "///evil.example/?lang=en",
        "/\\evil.example/?lang=en",
        "/%2F%2Fevil?lang=en",
        "//evil.example/path?x=1&lang=fr",
    ] {
        let response = get(&app, target, &host).await;
        assert_eq!(response.status, 303, "{target}: {}", response.head);
        let location = response.header("location").unwrap_or_default();
        assert!(stays_on_this_host(location), "{target} → {location:?}");
        let cookies = response.header_values("set-cookie");
        assert!(
            cookies.iter().any(|c| c.starts_with("lang=")),
            "{target}: {cookies:?}"
        );
    }
    let response = get(&app, "/?x=1&lang=fr", &host).await;
    assert_eq!(response.header("location"), Some("/?x=1"));
}

#[tokio::test]
async fn a_request_naming_two_hosts_is_refused() {
    let app = spawn_app().await;
    let (one, _) = app.create_tenant("twohosts", "Tenant One").await;
    let (two, _) = app.create_tenant("twohosts", "Tenant Two").await;
    let (one, two) = (one.default_host.as_str(), two.default_host.as_str());
    let cases = [
        ("/", format!("Host: {one}\r\nHost: {two}")),
        ("/", format!("Host: {one}\r\nHost: {one}")),
        ("/", format!("Host: {two}\r\nHost: nobody.localhost")),
        (&*format!("http://{two}/"), format!("Host: {one}")),
        (&*format!("http://{one}/"), "Host: 127.0.0.1".to_owned()),
        ("http://admin.localhost/", format!("Host: {one}")),
    ];
    for (target, headers) in &cases {
        let response = get(&app, target, headers).await;
        assert_eq!(response.status, 400, "{target} {headers:?}");
        assert!(!response.body.contains("Tenant"), "{target} {headers:?}");
    }
    // A Host that is not even text does not let the target decide.
    let mut head = format!("GET http://{one}/ HTTP/1.1\r\nHost: ").into_bytes();
    head.push(0xff);
    assert_eq!(exchange(app.addr, &head).await.status, 400);
    let response = get(&app, "/api/v1/x", &format!("Host: {one}\r\nHost: {two}")).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json")
    );
    assert!(response.body.contains("bad-host"), "{}", response.body);
}

#[tokio::test]
async fn an_absolute_target_that_agrees_with_host_is_served() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("absolute", "Absolute Form").await;
    let host = tenant.default_host.as_str();
    let upper = host.to_uppercase();
    for (target, headers) in [
        (format!("http://{host}/"), format!("Host: {host}")),
        (format!("http://{upper}:8080/"), format!("Host: {host}")),
        (format!("http://{host}/"), format!("Host: {upper}.:8080")),
    ] {
        let response = get(&app, &target, &headers).await;
        assert_eq!(response.status, 200, "{target} {headers:?}");
        assert!(response.body.contains("Absolute Form"));
    }
}

#[tokio::test]
async fn the_request_id_is_ours_whatever_the_client_sends() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("reqid", "Request Id").await;
    let host = tenant.default_host.as_str();
    let long = "a".repeat(300);
    for sent in [long.as_str(), "<script>\"x", "client-42"] {
        let headers = format!("Host: {host}\r\nX-Request-ID: {sent}");
        let response = get(&app, "/api/v1/nothing", &headers).await;
        assert_eq!(response.status, 404);
        let ids = response.header_values("x-request-id");
        assert_eq!(ids.len(), 1, "{sent}: {ids:?}");
        assert!(uuid::Uuid::parse_str(ids[0]).is_ok(), "{sent}: {ids:?}");
        assert!(!response.body.contains(sent), "{sent}: {}", response.body);
        let problem: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(problem["instance"], format!("urn:request:{}", ids[0]));
    }
}
