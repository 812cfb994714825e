//! Certificates seen through the other doors: tenant admins read their own
//! certificates' expiry and last error (pages and `/api/v1/domains`), never
//! those of a name another tenant holds, and cannot order one;
//! `tessera certs list|renew` work from the command line, audited.

use serde_json::Value;
use tessera::auth::Role;

use crate::api_auth::admin_token;
use crate::certificates::{ERROR, audited, insert, state, vouched};
use crate::helpers::api_client::get;
use crate::helpers::browser::Browser;
use crate::helpers::cluster::database_url;
use crate::helpers::console::between;
use crate::helpers::{migrated_database, spawn_app, spawn_app_with, test_config};

#[tokio::test]
async fn tenant_admins_read_their_own_certificates_and_cannot_order() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("certs-ten", "Club Reader").await;
    let (other, _) = app.create_tenant("certs-oth", "Club Waiting").await;
    let domain = vouched(&app, tenant.id, "reader").await;
    // A renewal failing while the old certificate is still served.
    insert(&app, &domain, "valid", 2, Some(ERROR)).await;
    // Another tenant waits on the same name with a pending claim.
    sqlx::query(
        "INSERT INTO platform.domain_claims (tenant_id, hostname, token)
         VALUES ($1, $2, 'abcdefghijklmnopqrstuvwxyz234567')",
    )
    .bind(other.id.get())
    .bind(&domain)
    .execute(app.pool())
    .await
    .unwrap();

    let (admin_id, admin) = admin_token(&app, &tenant, "admin@reader.example").await;
    let host = tenant.default_host.to_string();
    let reply = get(&app, &host, "/api/v1/domains", Some(&admin)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let certificate = &reply.json[0]["certificate"];
    assert_eq!(certificate["status"], "valid", "{}", reply.json);
    assert_eq!(certificate["last_error"], ERROR);
    assert!(
        certificate["not_after"]
            .as_str()
            .unwrap()
            .starts_with("2031-03-14")
    );
    assert!(
        certificate.get("issuer").is_none(),
        "only what the tenant needs"
    );

    let (waiting_id, waiting) = admin_token(&app, &other, "admin@waiting.example").await;
    let other_host = other.default_host.to_string();
    let reply = get(&app, &other_host, "/api/v1/domains", Some(&waiting)).await;
    assert_eq!(reply.json[0]["hostname"], domain.as_str(), "{}", reply.json);
    assert_eq!(
        reply.json[0]["certificate"],
        Value::Null,
        "another's certificate"
    );

    let mut browser = Browser::signed_in_as(&app, &tenant, admin_id, Role::Admin).await;
    let page = browser.get("/staff/domains/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let row = between(&page.body, &format!("id=\"domain-{domain}\">"), "</tr>");
    assert!(row.contains("cert-until") && row.contains("2031"), "{row}");
    assert!(
        row.contains("NXDOMAIN") && row.contains("&lt;b&gt;acme"),
        "{row}"
    );
    assert!(!page.body.contains("/renew"), "tenants get no button");
    let detail = browser.get(&format!("/staff/domains/{domain}")).await;
    let facts = between(&detail.body, "id=\"certificate\">", "</dd>");
    assert!(
        facts.contains("2031") && facts.contains("NXDOMAIN"),
        "{facts}"
    );
    let mut waiting_browser = Browser::signed_in_as(&app, &other, waiting_id, Role::Admin).await;
    let page = waiting_browser.get("/staff/domains/").await;
    assert!(page.body.contains(&domain) && !page.body.contains("NXDOMAIN"));

    let before = state(&app, &domain).await;
    let tried = browser
        .post(&format!("/staff/domains/{domain}/renew"), &[])
        .await;
    assert!((403..=405).contains(&tried.status), "{}", tried.status);
    assert_eq!(state(&app, &domain).await, before);
    assert!(audited(&app, &domain).await.is_empty());
}

#[tokio::test]
async fn the_command_line_lists_certificates_and_renews_one() {
    let options = migrated_database().await;
    let app = spawn_app_with(options.clone(), test_config()).await;
    let (tenant, _) = app.create_tenant("certs-cli", "Club CLI").await;
    let failing = vouched(&app, tenant.id, "cli").await;
    insert(&app, &failing, "failed", 5, Some("rate\nlimited")).await;
    let url = database_url(&options);
    let tessera = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", &url)
            .args(args)
            .output()
            .unwrap()
    };

    let listed = tessera(&["certs", "list"]);
    assert!(listed.status.success(), "{listed:?}");
    let table = String::from_utf8(listed.stdout).unwrap();
    let header = table.lines().next().unwrap_or_default();
    for column in [
        "domain",
        "status",
        "valid until",
        "failures",
        "last error",
        "next attempt",
    ] {
        assert!(header.contains(column), "{header}");
    }
    let line = table
        .lines()
        .find(|l| l.contains(&failing))
        .expect("listed");
    assert!(
        line.contains("failed") && line.contains(" 5 ") && line.contains("rate limited"),
        "{line}"
    );
    let json = tessera(&["certs", "list", "--json"]);
    let rows: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows[0]["hostname"], failing.as_str());

    let renewed = tessera(&["certs", "renew", &failing.to_uppercase()]);
    assert!(renewed.status.success(), "{renewed:?}");
    assert_eq!(state(&app, &failing).await, (0, true, Some(true)));
    let entries = audited(&app, &failing).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].0.as_str(), entries[0].1),
        ("cli", Some(tenant.id.get()))
    );

    let unknown = tessera(&["certs", "renew", "nobody.example.org"]);
    assert!(!unknown.status.success());
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        message.contains("no certificate is kept for nobody.example.org"),
        "{message}"
    );
}
