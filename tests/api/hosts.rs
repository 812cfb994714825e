//! Host handling: normalised or refused, never a 500; unknown hosts get a
//! neutral 404, suspended tenants a 503, the platform host is the operator's.

use tessera::tenancy::provision::NewTenant;
use tessera::tenancy::{Hostname, TenantStatus};

use crate::helpers::raw_http::get_with_host;
use crate::helpers::{spawn_app, unique_slug};

#[tokio::test]
async fn variants_of_a_tenant_host_reach_the_tenant() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("hosts", "Host Variants").await;
    let host = tenant.default_host.as_str();
    let variants = [
        host.to_owned(),
        host.to_uppercase(),
        format!("{host}:8080"),
        format!("{host}."),
        format!("  {host}"),
    ];
    for variant in variants {
        let (status, body) = get_with_host(app.addr, variant.as_bytes(), "/").await;
        assert_eq!(status, 200, "{variant:?}");
        assert!(body.contains("Host Variants"), "{variant:?}");
    }
}

#[tokio::test]
async fn unicode_domains_resolve_through_idna() {
    let app = spawn_app().await;
    let mut new = NewTenant::new(unique_slug("idna"), "Chorale d'Été");
    let domain = format!("chorale-été-{}.example", std::process::id());
    new.domains = vec![Hostname::parse(&domain).unwrap()];
    app.create(&new).await;
    let (status, body) = get_with_host(app.addr, domain.as_bytes(), "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Chorale d&#x27;Été") || body.contains("Chorale d&#39;Été"),
        "{body}"
    );
    let ascii = Hostname::parse(&domain).unwrap();
    assert!(ascii.as_str().starts_with("xn--"));
    let (status, _) = get_with_host(app.addr, ascii.as_str().as_bytes(), "/").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_hosts_are_refused_never_500() {
    let app = spawn_app().await;
    let long = "a".repeat(300);
    let cases: Vec<(Vec<u8>, &[u16])> = vec![
        (b"".to_vec(), &[400]),
        (b"127.0.0.1".to_vec(), &[400]),
        (b"127.0.0.1:8080".to_vec(), &[400]),
        (b"[::1]:8080".to_vec(), &[400]),
        (b"a..b".to_vec(), &[400]),
        (format!("{long}.localhost").into_bytes(), &[400]),
        (b"under_score.localhost".to_vec(), &[400]),
        (b"host:port".to_vec(), &[400]),
        (b"\xff\xfe.localhost".to_vec(), &[400]),
        (b"nobody-here.localhost".to_vec(), &[404]),
        (b"NOBODY-HERE.LOCALHOST".to_vec(), &[404]),
    ];
    for (host, expected) in cases {
        let (status, body) = get_with_host(app.addr, &host, "/").await;
        assert!(
            expected.contains(&status),
            "host {:?}: got {status}, expected {expected:?}",
            String::from_utf8_lossy(&host)
        );
        assert!(!body.contains(&long), "the page must not echo the host");
    }
    // No Host header at all (HTTP/1.0).
    let (status, _) = crate::helpers::raw_http::send(app.addr, b"GET / HTTP/1.0").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn unknown_host_is_a_neutral_404_in_html_and_json() {
    let app = spawn_app().await;
    let (status, body) = app.get_text("nobody.localhost", "/").await;
    assert_eq!(status, 404);
    assert!(body.contains("No site here"));
    let response = app.get("nobody.localhost", "/api/v1/anything").await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 404);
    assert!(problem["type"].as_str().unwrap().ends_with("unknown-host"));
}

#[tokio::test]
async fn suspended_tenant_answers_503_and_resumes() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("susp", "Suspended Club").await;
    let host = tenant.default_host.as_str();
    assert_eq!(app.get(host, "/").await.status(), 200);
    let provisioner = &app.state.provisioner;
    assert!(
        provisioner
            .set_status(&tenant.slug, TenantStatus::Suspended, None, "test")
            .await
            .unwrap()
    );
    // The change reaches the cache through NOTIFY; allow it a moment.
    let second = std::time::Duration::from_secs(1);
    assert!(
        app.wait_for_home(host, second, |status, _| status == 503)
            .await
    );
    let response = app.get(host, "/").await;
    assert!(response.headers().contains_key("retry-after"));
    assert!(
        provisioner
            .set_status(&tenant.slug, TenantStatus::Active, None, "test")
            .await
            .unwrap()
    );
    assert!(
        app.wait_for_home(host, second, |status, _| status == 200)
            .await
    );
}

#[tokio::test]
async fn platform_host_is_not_a_tenant() {
    let app = spawn_app().await;
    // The platform host serves the operators' console, behind its sign-in.
    let response = app.get("admin.localhost", "/").await;
    assert_eq!(response.status(), 303);
    let (status, page) = app.get_text("admin.localhost", "/login").await;
    assert_eq!(status, 200);
    assert!(!page.contains("Aucune annonce"), "not a portal");
    // Metrics have their own listener (see health.rs), not the platform host.
    let (status, body) = app.get_text("admin.localhost", "/metrics").await;
    assert_eq!(status, 303);
    assert!(!body.contains("tessera_"));
}
