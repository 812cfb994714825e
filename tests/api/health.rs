//! Health and metrics endpoints.

use crate::helpers::{raw_http, spawn_app};

#[tokio::test]
async fn healthz_answers_on_any_host() {
    let app = spawn_app().await;
    for host in ["admin.localhost", "nobody.localhost", "127.0.0.1"] {
        let (status, body) = raw_http::get_with_host(app.addr, host.as_bytes(), "/healthz").await;
        assert_eq!(status, 200, "{host}");
        assert_eq!(body.trim(), "ok");
    }
}

#[tokio::test]
async fn healthz_reports_an_unreachable_database() {
    let app = spawn_app().await;
    app.state.db.close().await;
    let (status, _) = raw_http::get_with_host(app.addr, b"admin.localhost", "/healthz").await;
    assert_eq!(status, 503);
}

/// `GET /metrics` on the private metrics listener, with any `Host`.
async fn scrape(app: &crate::helpers::TestApp) -> (u16, String) {
    raw_http::get_with_host(app.metrics_addr, b"localhost", "/metrics").await
}

#[tokio::test]
async fn metrics_count_requests() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("metrics", "Metrics").await;
    assert_eq!(
        app.get(tenant.default_host.as_str(), "/").await.status(),
        200
    );
    let (status, text) = scrape(&app).await;
    assert_eq!(status, 200);
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("tessera_http_requests_total")
                && l.contains("route=\"/\"")
                && l.contains("2xx")
        })
        .unwrap_or_else(|| panic!("no request counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0);
}

#[tokio::test]
async fn metrics_are_served_only_on_their_own_listener() {
    let app = spawn_app().await;
    assert_ne!(app.metrics_addr, app.addr);
    assert!(app.metrics_addr.ip().is_loopback());
    let (status, text) = scrape(&app).await;
    assert_eq!(status, 200);
    assert!(text.contains("tessera_db_platform_connections"), "{text}");
    // The public port never serves them: 404 on a tenant's host, the
    // sign-in page on the platform's (an unknown path there).
    let (tenant, _) = app.create_tenant("nometrics", "No Metrics").await;
    for (host, expected) in [
        ("admin.localhost", 303),
        (tenant.default_host.as_str(), 404),
    ] {
        let (status, body) = app.get_text(host, "/metrics").await;
        assert_eq!(status, expected, "{host}");
        assert!(!body.contains("tessera_"), "{host}: {body}");
    }
    // The metrics listener serves nothing else.
    let (status, _) = raw_http::get_with_host(app.metrics_addr, b"localhost", "/healthz").await;
    assert_eq!(status, 404);
}

/// The headers every HTML response carries, whoever wrote it.
fn assert_security_headers(what: &str, headers: &reqwest::header::HeaderMap) {
    let uuid = headers["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{what}: {uuid}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(
        headers["referrer-policy"], "strict-origin-when-cross-origin",
        "{what}"
    );
    assert!(headers.contains_key("content-security-policy"), "{what}");
}

fn csp(headers: &reqwest::header::HeaderMap) -> &str {
    headers["content-security-policy"].to_str().unwrap()
}

#[tokio::test]
async fn responses_carry_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let neutral = app.get("nobody.localhost", "/").await;
    assert_security_headers("neutral 404", neutral.headers());
    assert!(csp(neutral.headers()).contains("frame-ancestors 'none'"));

    let (tenant, _) = app.create_tenant("headers", "Headers").await;
    let host = tenant.default_host.as_str();
    for path in ["/", "/no-such-page"] {
        let page = app.get(host, path).await;
        assert_security_headers(path, page.headers());
        assert!(
            csp(page.headers()).contains("frame-ancestors 'none'"),
            "{path}"
        );
    }

    // Static files keep their own, stricter policy: inert even when opened.
    let asset = app.get(host, "/static/000000000000/css/base.css").await;
    assert_eq!(asset.status(), 200);
    assert_security_headers("static asset", asset.headers());
    let policy = csp(asset.headers());
    assert!(
        policy.contains("default-src 'none'") && policy.contains("sandbox"),
        "{policy}"
    );
}

/// On shutdown an instance first says it is not ready (a balancer stops
/// sending it work) while it still serves, for `http.drain_secs`; only then
/// does it stop listening. Liveness stays 200 throughout.
#[tokio::test]
async fn a_stopping_instance_drains_not_ready_but_serving_then_stops_listening() {
    let mut config = crate::helpers::test_config();
    config.http.drain_secs = 2;
    let app = crate::helpers::spawn_app_with(crate::helpers::shared_database().await, config).await;
    let (tenant, _) = app.create_tenant("drain", "Drain").await;
    let host = tenant.default_host.to_string();
    let addr = app.addr;
    let (status, _) = raw_http::get_with_host(addr, b"localhost", "/readyz").await;
    assert_eq!(status, 200);
    drop(app);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (status, body) = raw_http::get_with_host(addr, b"localhost", "/readyz").await;
    assert_eq!((status, body.trim()), (503, "draining"));
    let (status, _) = raw_http::get_with_host(addr, b"localhost", "/livez").await;
    assert_eq!(status, 200);
    let (status, _) = raw_http::get_with_host(addr, host.as_bytes(), "/").await;
    assert_eq!(status, 200, "still serving while draining");
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening after the drain"
    );
}
