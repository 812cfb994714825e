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

#[tokio::test]
async fn metrics_count_requests() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("metrics", "Metrics").await;
    assert_eq!(
        app.get(tenant.default_host.as_str(), "/").await.status(),
        200
    );
    let (status, text) = app.get_text("admin.localhost", "/metrics").await;
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
async fn responses_carry_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    let response = app.get("nobody.localhost", "/").await;
    let headers = response.headers();
    assert!(headers.contains_key("x-request-id"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}
