//! The installed portal in Chromium: the manifest reads as one, the
//! service worker installs and takes control, and once the server is gone
//! (the network cut, as a phone in a basement sees it) the member's card,
//! membership page and receipt still open, and a page never opened shows
//! the offline page.

use std::time::Duration;

use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use tessera::contributions::receipts::render;

use crate::api_auth::PASSWORD;
use crate::browser::{browser, sign_in, start_chromedriver, tempdir};
use crate::browser_accounts::wait_for;
use crate::contributions_receipts_fixture::{member, receipt, rendered};
use crate::helpers::spawn_isolated_app;

/// Runs `body` as an async function in the page and returns its result.
async fn run(client: &Client, body: &str) -> Value {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         (async () => {{ {body} }})().then(done, (e) => done('error: ' + e));"
    );
    client.execute_async(&script, vec![]).await.expect(body)
}

/// Whether the page's service worker has taken control (waits up to 5 s).
pub(crate) async fn worker_controls(client: &Client) -> bool {
    let answer = run(
        client,
        "await navigator.serviceWorker.ready;
         for (let i = 0; i < 100 && !navigator.serviceWorker.controller; i++) {
           await new Promise((r) => setTimeout(r, 50));
         }
         return !!navigator.serviceWorker.controller;",
    )
    .await;
    answer == json!(true)
}

async fn body_text(client: &Client) -> String {
    wait_for(client, "body")
        .await
        .text()
        .await
        .unwrap_or_default()
}

#[tokio::test]
async fn the_members_card_and_receipts_open_with_the_network_cut() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app
        .create_tenant("pwa-offline", "Vélo Club Hors Ligne")
        .await;
    let email = "ines.offline@example.org";
    let holder = member(&app, &tenant, email, "Inès Moreau").await;
    let receipt_id = receipt(&app, &tenant, (holder, holder), 3000, 1, false).await;
    let mut tx = app.tenant_tx(&tenant).await;
    render::enqueue(&mut tx, receipt_id).await.expect("enqueue");
    tx.commit().await.expect("commit");
    rendered(&app, &tenant, receipt_id, false).await;
    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-pwa");
    let client = browser(&driver, 360, 800, &profile).await;

    sign_in(&client, &base, email, PASSWORD).await;
    wait_for(&client, "body").await;

    let manifest = run(
        &client,
        "const r = await fetch('/manifest.webmanifest');
         const m = await r.json();
         const icon = m.icons.find((i) => i.sizes === '512x512' && i.purpose === 'any');
         const image = new Image();
         image.src = icon.src;
         await image.decode();
         return { type: r.headers.get('content-type'), name: m.name, display: m.display,
                  start: m.start_url, width: image.naturalWidth };",
    )
    .await;
    assert_eq!(
        manifest,
        json!({ "type": "application/manifest+json", "name": "Vélo Club Hors Ligne",
                "display": "standalone", "start": "/", "width": 512 })
    );
    assert!(
        worker_controls(&client).await,
        "the service worker never took control"
    );

    // Opened once online, so kept.
    for path in ["/membership/card", "/membership"] {
        client.goto(&format!("{base}{path}")).await.expect(path);
        assert!(body_text(&client).await.contains("Inès Moreau"), "{path}");
    }
    let receipt_path = format!("/membership/receipts/{receipt_id}.pdf");
    let online = run(
        &client,
        &format!("const r = await fetch('{receipt_path}'); return r.status;"),
    )
    .await;
    assert_eq!(online, json!(200));

    drop(app);
    tokio::time::sleep(Duration::from_millis(300)).await;

    client
        .goto(&format!("{base}/membership/card"))
        .await
        .expect("card offline");
    let card = body_text(&client).await;
    assert!(
        card.contains("Inès Moreau") && card.contains("Adhésion annuelle"),
        "{card}"
    );
    assert!(
        client
            .find(Locator::Css(".member-card__qr svg"))
            .await
            .is_ok()
    );
    client
        .goto(&format!("{base}/membership"))
        .await
        .expect("membership offline");
    assert!(body_text(&client).await.contains("Inès Moreau"));
    let pdf = run(
        &client,
        &format!(
            "const r = await fetch('{receipt_path}');
             const bytes = new Uint8Array(await r.arrayBuffer());
             return String.fromCharCode(...bytes.slice(0, 5));"
        ),
    )
    .await;
    assert_eq!(pdf, json!("%PDF-"), "the receipt did not open offline");
    client
        .goto(&format!("{base}/accounts/profile/"))
        .await
        .expect("never kept");
    assert!(body_text(&client).await.contains("Vous êtes hors ligne"));
    let _ = client.close().await;
}
