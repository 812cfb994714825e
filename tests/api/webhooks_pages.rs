//! An administrator manages webhooks with the pages alone (forms, no
//! JavaScript): adds an endpoint and copies its secret from the one page
//! that shows it, sends a test event and sees it delivered, disables,
//! changes, rotates and deletes it; every change is in the audit log.

use tessera::auth::Role;

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

#[tokio::test]
async fn an_administrator_manages_an_endpoint_with_forms_alone() {
    let app = app(true).await;
    let (tenant, _) = app.create_tenant("wh-pages", "Maison des Jeunes").await;
    let (admin, _) = person(&app, &tenant, "admin@example.org", Role::Admin).await;
    let receiver = Receiver::start().await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    browser.cookies.insert("lang".into(), "en".into());
    let dashboard = browser.get("/staff/").await;
    assert!(
        dashboard.body.contains("href=\"/staff/webhooks\""),
        "linked from the dashboard"
    );
    let list = browser.get("/staff/webhooks").await;
    assert_eq!(list.status, 200, "{list:?}");
    assert!(list.body.contains("No endpoint yet"), "{}", list.body);

    let url = receiver.url("crm");
    let created = browser
        .post(
            "/staff/webhooks",
            &[
                ("url", &url),
                ("description", "Our CRM"),
                ("events", "commission.*"),
                ("other_events", "payout.paid, referral.created"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{created:?}");
    let secret = shown_secret(&created);
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(created.body.contains("will not be shown again"));
    let id = linked_id(&created);
    let page_path = format!("/staff/webhooks/{id}");
    let page = browser.get(&page_path).await;
    assert_eq!(page.status, 200, "{page:?}");
    assert!(
        !page.body.contains(&secret[6..]),
        "the secret is shown once"
    );
    assert!(
        page.body
            .contains("commission.*, payout.paid, referral.created"),
        "{}",
        page.body
    );
    let list = browser.get("/staff/webhooks").await;
    assert!(list.body.contains(&url) && !list.body.contains(&secret[6..]));

    // A test event goes out signed, and the page shows it delivered.
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
    assert!(
        page.body.contains("webhook.test") && page.body.contains(">delivered<"),
        "{}",
        page.body
    );

    // Disabled: events are not sent, a test event still is.
    flashed(
        &browser.post(&format!("{page_path}/disable"), &[]).await,
        &page_path,
    );
    let page = browser.get(&page_path).await;
    assert!(
        page.body.contains(">disabled<") && page.body.contains("/enable\""),
        "{}",
        page.body
    );
    flashed(
        &browser.post(&format!("{page_path}/test"), &[]).await,
        &page_path,
    );
    drain(&app).await;
    assert_eq!(receiver.received_at("crm").len(), 2);
    flashed(
        &browser.post(&format!("{page_path}/enable"), &[]).await,
        &page_path,
    );

    // Changed, with the boxes and the text field.
    let changed = browser
        .post(
            &page_path,
            &[
                ("url", &url),
                ("description", "Accounting"),
                ("events", "*"),
            ],
        )
        .await;
    flashed(&changed, &page_path);
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
         ('webhook.created', 'webhook.test_sent', 'webhook.disabled', 'webhook.enabled', \
          'webhook.updated', 'webhook.secret_rotated', 'webhook.deleted')"
    );
    assert_eq!(count(&app, &tenant, &audited).await, 7);
}
