//! The installable portal over HTTP: each tenant's manifest and icons, the
//! service worker at the root, and the member card whose code only that
//! tenant's staff can read.

use serde_json::Value;
use tessera::auth::Role;

use crate::contributions_receipts_fixture::{member, receipt};
use crate::helpers::browser::Browser;
use crate::helpers::spawn_app;
use crate::staff::person;

#[tokio::test]
async fn each_tenant_has_its_own_manifest_and_icons() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("pwa-a", "Vélo Club de Lyon").await;
    let (b, _) = app.create_tenant("pwa-b", "Chorale").await;
    let response = app
        .get(a.default_host.as_str(), "/manifest.webmanifest")
        .await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(kind, "application/manifest+json");
    let manifest: Value = response.json().await.unwrap();
    assert_eq!(manifest["name"], "Vélo Club de Lyon");
    assert_eq!(manifest["short_name"], "Vélo");
    assert_eq!(manifest["start_url"], "/");
    assert_eq!(manifest["display"], "standalone");
    assert_eq!(
        manifest["theme_color"],
        a.brand.primary_or_default().to_string()
    );
    let icons = manifest["icons"].as_array().unwrap();
    let listed: Vec<(&str, &str)> = icons
        .iter()
        .map(|i| (i["sizes"].as_str().unwrap(), i["purpose"].as_str().unwrap()))
        .collect();
    assert!(listed.contains(&("192x192", "any")) && listed.contains(&("512x512", "maskable")));
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let png = app.get(a.default_host.as_str(), src).await;
        assert_eq!(png.status(), 200, "{src}");
        let bytes = png.bytes().await.unwrap();
        assert_eq!(&bytes[..4], b"\x89PNG", "{src}");
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let size: u32 = icon["sizes"]
            .as_str()
            .unwrap()
            .split('x')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(width, size, "{src}");
    }
    assert_eq!(
        app.get(a.default_host.as_str(), "/pwa/icon-64.png")
            .await
            .status(),
        404
    );
    let other: Value = app
        .get(b.default_host.as_str(), "/manifest.webmanifest")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(other["name"], "Chorale");

    let worker = app.get(a.default_host.as_str(), "/sw.js").await;
    assert_eq!(worker.status(), 200);
    assert!(
        worker.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let text = worker.text().await.unwrap();
    assert!(
        text.contains(&format!("-{}\"", a.version)),
        "the worker names the tenant's version"
    );
    let (status, page) = app.get_text(a.default_host.as_str(), "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<link rel=\"manifest\" href=\"/manifest.webmanifest\">"));
}

#[tokio::test]
async fn a_member_card_is_read_only_by_its_own_tenants_staff() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("card-a", "Carte Alpha").await;
    let (b, _) = app.create_tenant("card-b", "Carte Bêta").await;
    let holder = member(&app, &a, "ines@example.org", "Inès Moreau").await;
    receipt(&app, &a, (holder, holder), 3000, 1, false).await;
    let mut card = Browser::signed_in_as(&app, &a, holder, Role::Member).await;
    let page = card.get("/membership/card").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Inès Moreau") && page.body.contains("<svg"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Adhésion annuelle"), "{}", page.body);

    let code = tessera::pwa::card::code(&app.state.auth.keys, a.id, holder);
    let editor = person(&app, &a, "Éva", "eva@example.org", Role::Editor).await;
    let mut staff = Browser::signed_in_as(&app, &a, editor, Role::Editor).await;
    let checked = staff.get(&format!("/card/{code}")).await;
    assert_eq!(checked.status, 200);
    assert!(
        checked.body.contains("Inès Moreau") && checked.body.contains("Adhésion valable"),
        "{}",
        checked.body
    );

    // A member, a visitor, a forged code, or B's staff learn nothing.
    assert_ne!(card.get(&format!("/card/{code}")).await.status, 200);
    let (status, _) = app
        .get_text(a.default_host.as_str(), &format!("/card/{code}"))
        .await;
    assert_ne!(status, 200);
    let forged = format!("{}.{}", editor, code.split_once('.').unwrap().1);
    assert_eq!(staff.get(&format!("/card/{forged}")).await.status, 404);
    let editor_b = person(&app, &b, "Bob", "bob@example.org", Role::Editor).await;
    let mut staff_b = Browser::signed_in_as(&app, &b, editor_b, Role::Editor).await;
    assert_eq!(staff_b.get(&format!("/card/{code}")).await.status, 404);
    // A's staff cookie on B's host is nobody there.
    staff.host = b.default_host.to_string();
    assert_ne!(staff.get(&format!("/card/{code}")).await.status, 200);
}
