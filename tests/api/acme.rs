//! Certificates from a real ACME server (Pebble) for verified custom
//! domains: by HTTP-01 and by TLS-ALPN-01, served to the next handshake with
//! the tenant's page; two instances place one order and both serve the
//! result; a certificate near its end is renewed and swapped under open
//! connections; an ACME outage keeps what is served and backs off, and
//! issuance resumes when the server is back; unverified or unknown names
//! never cause an order.

use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use tessera::config::{ChallengeKind, Config};
use tessera::tenancy::audit::Actor;

use crate::domains::unique_host;
use crate::helpers::console::{between, signed_in_operator};
use crate::helpers::pebble::{Pebble, free_port};
use crate::helpers::tls_client::{self, Trust};
use crate::helpers::{TestApp, migrated_database, spawn_app_with};
use crate::https::https_config;
use tessera::platform::operators::OperatorRole;

/// An instance whose issuer asks `pebble`, on ports Pebble validates.
fn acme_config(pebble: &Pebble, ports: (u16, u16), challenge: ChallengeKind) -> Config {
    let mut config = https_config();
    config.http.port = ports.0;
    config.tls.https_port = Some(ports.1);
    config.tls.acme.directory = Some(pebble.directory.clone());
    config.tls.acme.ca_file = Some(pebble.ca_file.clone());
    config.tls.acme.contact = vec!["mailto:ops@platform.test".into()];
    config.tls.acme.challenge = challenge;
    config.tls.acme.check_interval_secs = 1;
    config.tls.acme.poll_initial_ms = 50;
    config.tls.acme.order_timeout_secs = 20;
    config.tls.acme.retry_base_secs = 1;
    config.tls.acme.retry_max_secs = 4;
    config.tls.acme.alert_after_failures = 3;
    config
}

struct Setup {
    pebble: Pebble,
    app: TestApp,
    database: PgConnectOptions,
}

async fn setup(challenge: ChallengeKind, validity_secs: u64) -> Setup {
    let ports = (free_port(), free_port());
    let pebble = Pebble::start(ports.0, ports.1, validity_secs).await;
    let database = migrated_database().await;
    let app = spawn_app_with(database.clone(), acme_config(&pebble, ports, challenge)).await;
    Setup {
        pebble,
        app,
        database,
    }
}

/// A tenant with `domain` vouched for by an operator (verified, active).
async fn tenant_with_domain(app: &TestApp, label: &str) -> (String, String) {
    let (domain, tenant) = tenant_and_domain(app, label).await;
    (domain, tenant.name.clone())
}

async fn tenant_and_domain(
    app: &TestApp,
    label: &str,
) -> (String, std::sync::Arc<tessera::model::Tenant>) {
    let (tenant, _) = app.create_tenant(label, &format!("Club {label}")).await;
    let domain = unique_host(label);
    app.state
        .domains
        .vouch(tenant.id, &domain, &Actor::from("test"))
        .await
        .expect("vouch");
    (domain, tenant)
}

async fn status_of(app: &TestApp, domain: &str) -> (String, i32, Option<String>) {
    let row = sqlx::query_as::<_, (String, i32, Option<String>)>(
        "SELECT status, failures, last_error FROM platform.certificates WHERE hostname = $1",
    )
    .bind(domain)
    .fetch_optional(app.pool())
    .await
    .expect("certificate row");
    row.unwrap_or(("none".into(), 0, None))
}

async fn wait_until_valid(app: &TestApp, domain: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _, error) = status_of(app, domain).await;
        if status == "valid" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no certificate for {domain} after 30 s: {status} {error:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn orders(app: &TestApp, domain: &str) -> i64 {
    tessera::tls::store::orders_for(app.pool(), domain)
        .await
        .expect("orders")
}

/// The served leaf's issuer and serial for `domain`, checked against
/// Pebble's root, and the tenant page it leads to.
async fn fetch(app: &TestApp, pebble: &Pebble, domain: &str) -> (String, String, String) {
    let trust = Trust::Roots(pebble.root_pem().await);
    let addr = app.https_addr.expect("HTTPS");
    let (status, body, leaf) = tls_client::get(addr, domain, "/", &trust)
        .await
        .expect("a handshake that verifies against Pebble's root");
    assert_eq!(status, 200);
    let (issuer, serial) = tls_client::issuer_and_serial(&leaf);
    (issuer, serial, body)
}

async fn issues_by(challenge: ChallengeKind) {
    let setup = setup(challenge, 3600).await;
    let (domain, tenant) = tenant_and_domain(&setup.app, challenge.as_str()).await;
    let name = tenant.name.clone();
    wait_until_valid(&setup.app, &domain).await;
    let (issuer, _, body) = fetch(&setup.app, &setup.pebble, &domain).await;
    assert!(issuer.contains("Pebble"), "{issuer}");
    assert!(body.contains(&name), "the tenant's page over HTTPS");
    assert_eq!(orders(&setup.app, &domain).await, 1);
    let used: String =
        sqlx::query_scalar("SELECT challenge FROM platform.acme_orders WHERE hostname = $1")
            .bind(&domain)
            .fetch_one(setup.app.pool())
            .await
            .expect("order row");
    assert_eq!(used, challenge.as_str());
    let plain = setup.app.get(&domain, "/").await;
    assert_eq!(plain.status(), 308, "plain HTTP goes to HTTPS once issued");

    // A removed domain loses its certificate and its key, everywhere.
    let app = &setup.app;
    app.state
        .domains
        .remove(tenant.id, &domain, &Actor::from("test"))
        .await
        .expect("remove");
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.state.tls.certificates().has_own(&domain) {
        assert!(Instant::now() < deadline, "still served after removal");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status_of(app, &domain).await.0,
        "none",
        "row and sealed key gone"
    );
    let addr = app.https_addr.expect("HTTPS");
    assert!(
        tls_client::connect(addr, &domain, &Trust::Anything)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_verified_domain_gets_its_certificate_by_http_01() {
    issues_by(ChallengeKind::Http01).await;
}

#[tokio::test]
async fn a_verified_domain_gets_its_certificate_by_tls_alpn_01() {
    issues_by(ChallengeKind::TlsAlpn01).await;
}

#[tokio::test]
async fn two_instances_place_one_order_and_both_serve_it() {
    let setup = setup(ChallengeKind::Http01, 3600).await;
    let mut config = acme_config(
        &setup.pebble,
        (free_port(), free_port()),
        ChallengeKind::Http01,
    );
    config.tls.acme.check_interval_secs = 3600;
    let second = spawn_app_with(setup.database.clone(), config).await;
    let (domain, _) = tenant_with_domain(&setup.app, "twice").await;
    // Both issuers race on the same due name.
    let (a, b) = tokio::join!(
        setup.app.state.tls.issuer().expect("issuer").run_pass(),
        second.state.tls.issuer().expect("issuer").run_pass(),
    );
    let (a, b) = (a.expect("pass"), b.expect("pass"));
    wait_until_valid(&setup.app, &domain).await;
    assert_eq!(orders(&setup.app, &domain).await, 1, "{a:?} {b:?}");
    // Whichever ordered it, the other loads it through NOTIFY.
    let deadline = Instant::now() + Duration::from_secs(5);
    for instance in [&setup.app, &second] {
        while !instance.state.tls.certificates().has_own(&domain) {
            assert!(Instant::now() < deadline, "an instance never loaded it");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let (_, serial_a, _) = fetch(&setup.app, &setup.pebble, &domain).await;
    let (_, serial_b, _) = fetch(&second, &setup.pebble, &domain).await;
    assert_eq!(serial_a, serial_b, "both serve the one certificate");
}

#[tokio::test]
async fn a_certificate_is_renewed_and_swapped_under_open_connections() {
    // Certificates live 9 s: renewal is due 6 s after issuance.
    let setup = setup(ChallengeKind::Http01, 9).await;
    let (domain, name) = tenant_with_domain(&setup.app, "renew").await;
    wait_until_valid(&setup.app, &domain).await;
    let trust = Trust::Roots(setup.pebble.root_pem().await);
    let addr = setup.app.https_addr.expect("HTTPS");
    let mut open = tls_client::connect(addr, &domain, &trust)
        .await
        .expect("handshake");
    let (_, first_serial) = tls_client::issuer_and_serial(&tls_client::leaf(&open));
    let deadline = Instant::now() + Duration::from_secs(30);
    let renewed = loop {
        let (status, body) = tls_client::request(&mut open, &domain, "/").await;
        assert_eq!(status, 200, "the open connection keeps working");
        assert!(body.contains(&name));
        let (_, serial, _) = fetch(&setup.app, &setup.pebble, &domain).await;
        if serial != first_serial {
            break serial;
        }
        assert!(Instant::now() < deadline, "not renewed within 30 s");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_ne!(renewed, first_serial);
    assert!(orders(&setup.app, &domain).await >= 2);
    let (status, _) = tls_client::request(&mut open, &domain, "/").await;
    assert_eq!(status, 200, "and after the swap");
}

#[tokio::test]
async fn an_acme_outage_keeps_certificates_backs_off_and_recovers() {
    let mut setup = setup(ChallengeKind::Http01, 3600).await;
    let (served, _) = tenant_with_domain(&setup.app, "kept").await;
    wait_until_valid(&setup.app, &served).await;
    let (_, serial, _) = fetch(&setup.app, &setup.pebble, &served).await;
    let root = setup.pebble.root_pem().await;

    setup.pebble.stop();
    let (waiting, _) = tenant_with_domain(&setup.app, "waiting").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, failures, error) = status_of(&setup.app, &waiting).await;
        if failures >= 3 {
            assert_eq!(status, "failed");
            assert!(error.is_some_and(|e| e.contains("unreachable")));
            break;
        }
        assert!(Instant::now() < deadline, "no failures recorded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gaps: Vec<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM next_attempt_at - last_attempt_at)::float8
         FROM platform.certificates WHERE hostname = $1",
    )
    .bind(&waiting)
    .fetch_all(setup.app.pool())
    .await
    .expect("back-off");
    assert!(
        gaps[0] >= 3.5,
        "1 s, 2 s, then 4 s: the wait grows: {gaps:?}"
    );
    let alerts: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT payload FROM platform.jobs WHERE kind = 'platform.mail'
         AND payload->>'template' = 'certificate-failing'",
    )
    .fetch_all(setup.app.pool())
    .await
    .expect("alert mails");
    assert_eq!(
        alerts.len(),
        1,
        "one alert after three failures: {alerts:?}"
    );
    assert_eq!(alerts[0]["to"], "ops@platform.test");
    assert_eq!(alerts[0]["data"]["hostname"], waiting.as_str());
    let (mut console, _, _) = signed_in_operator(&setup.app, OperatorRole::Support).await;
    let page = console.get("/console/certificates").await;
    let row = between(&page.body, &format!("id=\"cert-{waiting}\">"), "</tr>");
    assert!(
        row.contains("unreachable"),
        "the console shows the error: {row}"
    );
    let trust = Trust::Roots(root);
    let addr = setup.app.https_addr.expect("HTTPS");
    let (status, _, leaf) = tls_client::get(addr, &served, "/", &trust)
        .await
        .expect("the issued certificate is still served");
    assert_eq!(status, 200);
    assert_eq!(tls_client::issuer_and_serial(&leaf).1, serial);

    setup.pebble.resume().await;
    tessera::tls::store::schedule_now(setup.app.pool(), &waiting)
        .await
        .expect("retry");
    wait_until_valid(&setup.app, &waiting).await;
    let (issuer, _, _) = fetch(&setup.app, &setup.pebble, &waiting).await;
    assert!(issuer.contains("Pebble"));
}

#[tokio::test]
async fn unverified_and_unknown_names_never_cause_an_order() {
    let setup = setup(ChallengeKind::Http01, 3600).await;
    let app = &setup.app;
    let (tenant, _) = app.create_tenant("pending", "Club En Attente").await;
    let pending = unique_host("pending");
    app.state
        .domains
        .add(tenant.id, &pending, &Actor::from("test"))
        .await
        .expect("a pending claim");
    let addr = app.https_addr.expect("HTTPS");
    for name in [pending.as_str(), "nobody.invented.test"] {
        let refused = tls_client::connect(addr, name, &Trust::Anything).await;
        assert!(refused.is_err(), "{name}: no certificate");
    }
    let report = app
        .state
        .tls
        .issuer()
        .expect("issuer")
        .run_pass()
        .await
        .expect("pass");
    assert!(
        report.issued.is_empty() && report.failed.is_empty(),
        "{report:?}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM platform.acme_orders")
        .fetch_one(app.pool())
        .await
        .expect("count");
    assert_eq!(rows, 0);
    assert_eq!(status_of(app, &pending).await.0, "none");
}

#[tokio::test]
async fn orders_stop_at_the_hourly_budget() {
    let ports = (free_port(), free_port());
    let pebble = Pebble::start(ports.0, ports.1, 3600).await;
    let mut config = acme_config(&pebble, ports, ChallengeKind::Http01);
    config.tls.acme.orders_per_hour = 1;
    let app = spawn_app_with(migrated_database().await, config).await;
    let (first, _) = tenant_with_domain(&app, "budget").await;
    let (second, _) = tenant_with_domain(&app, "budget").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while status_of(&app, &first).await.0 != "valid" && status_of(&app, &second).await.0 != "valid"
    {
        assert!(Instant::now() < deadline, "nothing issued");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let placed = orders(&app, &first).await + orders(&app, &second).await;
    assert_eq!(placed, 1, "one order per hour, as configured");
}
