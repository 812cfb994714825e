//! Custom domains end to end, against an authoritative DNS server the test
//! runs on loopback: a claim routes only once proven (TXT, or the HTTP
//! token reached through DNS), one owner per domain, the HTTP token is
//! refused for a domain another tenant held, a lost proof stops routing,
//! removal stops routing on every instance within a second, the primary
//! domain takes the others' page traffic, and the staff pages work without
//! JavaScript for admins only.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::api_auth::{PASSWORD, admin_token};
use crate::helpers::api_client::{Reply, call, get, post};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::cluster::shared_database;
use crate::helpers::dns::DnsServer;
use crate::helpers::{TestApp, spawn_app_with, test_config};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// An instance that asks `dns` and treats loopback as its own ingress,
/// listening on the port its HTTP-token check connects to.
pub async fn app_with_dns(dns: &DnsServer) -> TestApp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut config = test_config();
    config.http.port = port;
    config.domains.nameservers = vec![dns.addr];
    config.domains.ipv4 = vec![Ipv4Addr::LOCALHOST];
    config.domains.cname_target =
        Some(tessera::model::Hostname::parse("sites.platform.test").expect("target"));
    config.domains.ingress_addresses = vec![LOOPBACK];
    config.domains.http_check_port = port;
    config.domains.dns_timeout_secs = 1;
    config.domains.grace_days = 2;
    spawn_app_with(shared_database().await, config).await
}

pub fn unique_host(label: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{label}-{}-{n}.club.test", std::process::id())
}

async fn add(app: &TestApp, host: &str, token: &str, domain: &str) -> Reply {
    post(
        app,
        host,
        "/api/v1/domains",
        &json!({ "hostname": domain }),
        Some(token),
    )
    .await
}

async fn verify(app: &TestApp, host: &str, token: &str, domain: &str) -> Value {
    let path = format!("/api/v1/domains/{domain}/verify");
    let reply = post(app, host, &path, &json!({}), Some(token)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    reply.json
}

async fn home_status(app: &TestApp, host: &str) -> u16 {
    app.get(host, "/").await.status().as_u16()
}

#[tokio::test]
async fn a_domain_routes_only_once_its_txt_record_proves_it() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let (tenant, _) = app.create_tenant("txt", "Club TXT").await;
    let host = tenant.default_host.to_string();
    let (_, admin) = admin_token(&app, &tenant, "admin@txt.example").await;
    let domain = unique_host("txt");

    let created = add(&app, &host, &admin, &domain).await;
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.json["state"], "pending");
    let (txt_name, txt_value) = (
        created.json["records"]["txt_name"]
            .as_str()
            .unwrap()
            .to_owned(),
        created.json["records"]["txt_value"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    assert_eq!(txt_name, format!("_tessera-challenge.{domain}"));
    assert_eq!(
        home_status(&app, &domain).await,
        404,
        "an unproven domain routed"
    );

    dns.set_txt(&txt_name, "tessera-verify=somebody-elses-token");
    let checked = verify(&app, &host, &admin, &domain).await;
    assert_eq!(checked["state"], "pending");
    assert_eq!(checked["last_error"], "proof_missing");
    assert_eq!(home_status(&app, &domain).await, 404);

    dns.set_txt(&txt_name, &txt_value);
    dns.set_ip(&domain, LOOPBACK);
    let checked = verify(&app, &host, &admin, &domain).await;
    assert_eq!(checked["state"], "active", "{checked}");
    assert_eq!(checked["method"], "dns_txt");
    assert_eq!(checked["dns_status"], "ok");
    let (status, body) = app.get_text(&domain, "/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Club TXT"));

    // The proof goes away: the domain keeps routing through the grace
    // period (two failed checks here), then stops.
    dns.remove(&txt_name);
    let once = verify(&app, &host, &admin, &domain).await;
    assert_eq!(
        (once["state"].as_str(), once["check_failures"].as_i64()),
        (Some("active"), Some(1))
    );
    assert_eq!(home_status(&app, &domain).await, 200);
    let twice = verify(&app, &host, &admin, &domain).await;
    assert_eq!(twice["state"], "pending");
    assert_eq!(twice["last_error"], "proof_lost");
    assert_eq!(
        home_status(&app, &domain).await,
        404,
        "a lost proof still routes"
    );
}

#[tokio::test]
async fn one_owner_per_domain_and_a_refusal_changes_nothing() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let (a, _) = app.create_tenant("own-a", "Owner A").await;
    let (b, _) = app.create_tenant("own-b", "Owner B").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    let (_, admin_a) = admin_token(&app, &a, "admin@a.example").await;
    let (_, admin_b) = admin_token(&app, &b, "admin@b.example").await;
    let domain = unique_host("owned");

    let claim = add(&app, &host_a, &admin_a, &domain).await;
    dns.set_txt(
        claim.json["records"]["txt_name"].as_str().unwrap(),
        claim.json["records"]["txt_value"].as_str().unwrap(),
    );
    assert_eq!(
        verify(&app, &host_a, &admin_a, &domain).await["state"],
        "verified"
    );

    let refused = add(&app, &host_b, &admin_b, &domain).await;
    assert_eq!(refused.status, 409, "{refused:?}");
    assert!(refused.is_problem());
    let listed = get(&app, &host_b, "/api/v1/domains", Some(&admin_b)).await;
    assert_eq!(listed.json, json!([]), "a refused claim left a row");

    // B cannot see, verify or remove A's domain, nor use A's token.
    let path = format!("/api/v1/domains/{domain}");
    assert_eq!(get(&app, &host_b, &path, Some(&admin_b)).await.status, 404);
    assert_eq!(
        call(&app, "DELETE", &host_b, &path, &json!({}), Some(&admin_b))
            .await
            .status,
        404
    );
    assert_eq!(get(&app, &host_b, &path, Some(&admin_a)).await.status, 401);
    // The platform's own names cannot be claimed.
    for reserved in [
        format!("x.{}", app.state.config.base_domain),
        "admin.localhost".into(),
        "10.0.0.1".into(),
    ] {
        let reply = add(&app, &host_b, &admin_b, &reserved).await;
        assert_eq!(reply.status, 422, "{reserved}: {reply:?}");
    }
    assert_eq!(home_status(&app, &domain).await, 200);
}

#[tokio::test]
async fn the_http_token_proves_a_domain_pointing_here_unless_another_tenant_held_it() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let (a, _) = app.create_tenant("http-a", "HTTP A").await;
    let (b, _) = app.create_tenant("http-b", "HTTP B").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    let (_, admin_a) = admin_token(&app, &a, "admin@ha.example").await;
    let (_, admin_b) = admin_token(&app, &b, "admin@hb.example").await;
    let domain = unique_host("http");
    dns.set_cname(&domain, "sites.platform.test");
    dns.set_ip("sites.platform.test", LOOPBACK);

    assert_eq!(add(&app, &host_a, &admin_a, &domain).await.status, 201);
    let checked = verify(&app, &host_a, &admin_a, &domain).await;
    assert_eq!(
        (checked["state"].as_str(), checked["method"].as_str()),
        (Some("active"), Some("http"))
    );
    assert_eq!(home_status(&app, &domain).await, 200);

    // A lets it go; its DNS still points here (a dangling record). B may
    // not take it with the HTTP token: only a TXT record proves control.
    let path = format!("/api/v1/domains/{domain}");
    assert_eq!(
        call(&app, "DELETE", &host_a, &path, &json!({}), Some(&admin_a))
            .await
            .status,
        204
    );
    assert_eq!(home_status(&app, &domain).await, 404);
    let claim = add(&app, &host_b, &admin_b, &domain).await;
    assert_eq!(claim.status, 201);
    let checked = verify(&app, &host_b, &admin_b, &domain).await;
    assert_eq!(checked["state"], "pending");
    assert_eq!(checked["last_error"], "txt_required");
    assert_eq!(home_status(&app, &domain).await, 404);
    dns.set_txt(
        claim.json["records"]["txt_name"].as_str().unwrap(),
        claim.json["records"]["txt_value"].as_str().unwrap(),
    );
    assert_eq!(
        verify(&app, &host_b, &admin_b, &domain).await["state"],
        "active"
    );
    let (_, body) = app.get_text(&domain, "/").await;
    assert!(body.contains("HTTP B"));
}

#[tokio::test]
async fn removal_stops_routing_on_every_instance_within_a_second_and_primary_redirects() {
    let dns = DnsServer::start().await;
    let one = app_with_dns(&dns).await;
    let two = app_with_dns(&dns).await;
    let (tenant, _) = one.create_tenant("prim", "Primary Club").await;
    let host = tenant.default_host.to_string();
    let (_, admin) = admin_token(&one, &tenant, "admin@prim.example").await;
    let domain = unique_host("prim");
    let claim = add(&one, &host, &admin, &domain).await;
    dns.set_txt(
        claim.json["records"]["txt_name"].as_str().unwrap(),
        claim.json["records"]["txt_value"].as_str().unwrap(),
    );
    dns.set_ip(&domain, LOOPBACK);
    assert_eq!(
        verify(&one, &host, &admin, &domain).await["state"],
        "active"
    );
    assert!(
        two.wait_for_home(&domain, Duration::from_secs(1), |s, _| s == 200)
            .await
    );

    let primary = format!("/api/v1/domains/{domain}/primary");
    assert_eq!(
        post(&one, &host, &primary, &json!({}), Some(&admin))
            .await
            .status,
        204
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    let mut response = two.get(&host, "/announcements?page=2").await;
    while response.status() != 308 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        response = two.get(&host, "/announcements?page=2").await;
    }
    assert_eq!(response.status(), 308);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains(&domain) && location.ends_with("/announcements?page=2"),
        "{location}"
    );
    // The API is not redirected.
    assert_eq!(
        get(&two, &host, "/api/v1/domains", Some(&admin))
            .await
            .status,
        200
    );

    let path = format!("/api/v1/domains/{domain}");
    assert_eq!(
        call(&one, "DELETE", &host, &path, &json!({}), Some(&admin))
            .await
            .status,
        204
    );
    let gone = two
        .wait_for_home(&domain, Duration::from_secs(1), |s, _| s == 404)
        .await;
    assert!(gone, "instance two still serves a removed domain after 1 s");
    let back = two
        .wait_for_home(&host, Duration::from_secs(1), |s, _| s == 200)
        .await;
    assert!(
        back,
        "the default host still redirects to a removed primary"
    );
}

#[tokio::test]
async fn admins_manage_domains_from_pages_and_members_cannot() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let (tenant, _) = app.create_tenant("pages", "Pages Club").await;
    let admin_id =
        create_account(&app, &tenant, "admin@pages.example", PASSWORD, Role::Admin).await;
    let member_id = create_account(&app, &tenant, "m@pages.example", PASSWORD, Role::Member).await;
    let mut admin = Browser::signed_in_as(&app, &tenant, admin_id, Role::Admin).await;
    let mut member = Browser::signed_in_as(&app, &tenant, member_id, Role::Member).await;

    let domain = unique_host("page");
    let list = admin.get("/staff/domains/").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("name=\"hostname\""));
    let added = admin
        .post("/staff/domains/", &[("hostname", domain.as_str())])
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    assert_eq!(
        added.location.as_deref(),
        Some(format!("/staff/domains/{domain}").as_str())
    );
    let detail = admin.get(&format!("/staff/domains/{domain}")).await;
    assert_eq!(detail.status, 200);
    assert!(
        detail
            .body
            .contains(&format!("_tessera-challenge.{domain}"))
    );
    let bad = admin
        .post("/staff/domains/", &[("hostname", "not a domain")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid"));

    assert_eq!(member.get("/staff/domains/").await.status, 403);
    let refused = member
        .post("/staff/domains/", &[("hostname", "other.club.test")])
        .await;
    assert_eq!(refused.status, 403);
    let forged = admin
        .post_raw("/staff/domains/", &[("hostname", "forged.club.test")])
        .await;
    assert_ne!(
        forged.status, 303,
        "a form without its CSRF token was accepted"
    );
    let removed = admin
        .post(&format!("/staff/domains/{domain}/delete"), &[])
        .await;
    assert_eq!(removed.status, 303);
    assert!(!admin.get("/staff/domains/").await.body.contains(&domain));
}
