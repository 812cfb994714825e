//! An administrator manages webhooks with the pages alone (forms, no
//! JavaScript): adds an endpoint and copies its secret from the one page
//! that shows it, sends a test event and sees it delivered, disables,
//! changes, rotates and deletes it; every change is in the audit log.

use std::sync::Arc;

use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::helpers::TestApp;
use crate::helpers::browser::{Browser, Page};
use crate::webhooks_fixture::{Receiver, app, count, drain, person, signed_by};

/// The secret shown on a page: `<code class="secret" id="secret">…</code>`.
fn shown_secret(page: &Page) -> String {
    let start = page.body.find("id=\"secret\">").expect("a secret shown") + 12;
    let end = page.body[start..].find('<').expect("its end") + start;
    page.body[start..end].to_owned()
}

/// The endpoint a secret page links back to.
fn linked_id(page: &Page) -> i64 {
    let start = page.body.find("href=\"/staff/webhooks/").expect("a link") + 22;
    let digits: String = page.body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().expect("an id")
}

fn flashed(page: &Page, to: &str) {
    assert_eq!(page.status, 303, "{page:?}");
    assert_eq!(page.location.as_deref(), Some(to), "{page:?}");
    assert!(
        page.set_cookies.iter().any(|c| c.starts_with("flash=")),
        "{page:?}"
    );
}

/// An administrator of a new association, signed in, reading English.
async fn signed_in<'a>(app: &'a TestApp, slug: &str) -> (Arc<Tenant>, i64, Browser<'a>) {
    let (tenant, _) = app.create_tenant(slug, "Maison des Jeunes").await;
    let (admin, _) = person(app, &tenant, "admin@example.org", Role::Admin).await;
    let mut browser = Browser::signed_in_as(app, &tenant, admin, Role::Admin).await;
    browser.cookies.insert("lang".into(), "en".into());
    (tenant, admin, browser)
}

/// Adds an endpoint with the form: its id and the secret shown.
async fn add(browser: &mut Browser<'_>, url: &str) -> (i64, String) {
    let fields = [
        ("url", url),
        ("description", "Our CRM"),
        ("events", "commission.*"),
        ("other_events", "payout.paid, referral.created"),
    ];
    let created = browser.post("/staff/webhooks", &fields).await;
    assert_eq!(created.status, 200, "{created:?}");
    assert!(created.body.contains("will not be shown again"));
    (linked_id(&created), shown_secret(&created))
}

#[tokio::test]
async fn an_administrator_adds_an_endpoint_and_sees_its_secret_once() {
    let app = app(true).await;
    let (tenant, admin, mut browser) = signed_in(&app, "wh-add").await;
    let dashboard = browser.get("/staff/").await;
    let link = "href=\"/staff/webhooks\"";
    assert!(dashboard.body.contains(link), "linked from the dashboard");
    let list = browser.get("/staff/webhooks").await;
    assert_eq!(list.status, 200, "{list:?}");
    assert!(list.body.contains("No endpoint yet"), "{}", list.body);

    let receiver = Receiver::start().await;
    let url = receiver.url("crm");
    let (id, secret) = add(&mut browser, &url).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    let page = browser.get(&format!("/staff/webhooks/{id}")).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(
        !page.body.contains(&secret[6..]),
        "the secret is shown once"
    );
    let events = "commission.*, payout.paid, referral.created";
    assert!(page.body.contains(events), "{}", page.body);
    let list = browser.get("/staff/webhooks").await;
    assert!(list.body.contains(&url) && !list.body.contains(&secret[6..]));

    // A test event goes out signed with it, and the page shows it delivered.
    let page_path = format!("/staff/webhooks/{id}");
    flashed(
        &browser.post(&format!("{page_path}/test"), &[]).await,
        &page_path,
    );
    drain(&app).await;
    let got = receiver.received_at("crm");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert!(signed_by(&got[0], &secret));
    let page = browser.get(&page_path).await;
    assert!(page.body.contains("webhook.test"), "{}", page.body);
    assert!(page.body.contains(">delivered<"), "{}", page.body);
    let audited = format!(
        "SELECT count(*) FROM audit_log WHERE actor_id = {admin} \
         AND action IN ('webhook.created', 'webhook.test_sent')"
    );
    assert_eq!(count(&app, &tenant, &audited).await, 2);
}

#[tokio::test]
async fn an_administrator_disables_changes_rotates_and_deletes_an_endpoint() {
    let app = app(true).await;
    let (tenant, admin, mut browser) = signed_in(&app, "wh-manage").await;
    let receiver = Receiver::start().await;
    let url = receiver.url("crm");
    let (id, secret) = add(&mut browser, &url).await;
    let page_path = format!("/staff/webhooks/{id}");

    disabled_then_enabled(&app, &tenant, &mut browser, &receiver, id).await;

    // Changed with the form: a box instead of the types typed.
    let fields = [
        ("url", url.as_str()),
        ("description", "Accounting"),
        ("events", "*"),
    ];
    flashed(&browser.post(&page_path, &fields).await, &page_path);
    let page = browser.get(&page_path).await;
    assert!(page.body.contains("Accounting"), "{}", page.body);
    let stored = "SELECT count(*) FROM webhook_endpoints \
                  WHERE events = '{*}' AND description = 'Accounting' AND active";
    assert_eq!(count(&app, &tenant, stored).await, 1);

    // A new secret, shown once; then deleted.
    let rotated = browser.post(&format!("{page_path}/rotate"), &[]).await;
    assert_eq!(rotated.status, 200, "{rotated:?}");
    let new = shown_secret(&rotated);
    assert!(new.starts_with("whsec_") && new != secret);
    assert!(
        rotated
            .body
            .contains("deliveries carry a signature by each secret")
    );
    flashed(
        &browser.post(&format!("{page_path}/delete"), &[]).await,
        "/staff/webhooks",
    );
    assert_eq!(browser.get(&page_path).await.status, 404);
    assert_eq!(
        count(&app, &tenant, "SELECT count(*) FROM webhook_endpoints").await,
        0
    );
    let audited = format!(
        "SELECT count(DISTINCT action) FROM audit_log WHERE actor_id = {admin} AND action IN \
         ('webhook.test_sent', 'webhook.disabled', 'webhook.enabled', 'webhook.updated', \
          'webhook.secret_rotated', 'webhook.deleted')"
    );
    assert_eq!(count(&app, &tenant, &audited).await, 6);
}

/// An event the disabled endpoint would have wanted.
async fn emit_commission(app: &TestApp, tenant: &Arc<Tenant>) {
    crate::webhooks_fixture::emit(app, tenant, "commission.created", serde_json::json!({})).await;
}

/// Disabled: events are not sent, a test event still is; then enabled.
async fn disabled_then_enabled(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    browser: &mut Browser<'_>,
    receiver: &Receiver,
    id: i64,
) {
    let page_path = format!("/staff/webhooks/{id}");
    // Disabled: events are not sent, a test event still is.
    flashed(
        &browser.post(&format!("{page_path}/disable"), &[]).await,
        &page_path,
    );
    let page = browser.get(&page_path).await;
    assert!(page.body.contains(">disabled<") && page.body.contains("/enable\""));
    emit_commission(app, tenant).await;
    flashed(
        &browser.post(&format!("{page_path}/test"), &[]).await,
        &page_path,
    );
    drain(app).await;
    let types: Vec<String> = receiver
        .received_at("crm")
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["webhook.test"]);
    flashed(
        &browser.post(&format!("{page_path}/enable"), &[]).await,
        &page_path,
    );
}
