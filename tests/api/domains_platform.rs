//! Operators and custom domains: through the white-label API (and its
//! `sites` alias) and the console, a vouched domain routes at once, a
//! claimed one waits for its proof, support operators only read, another
//! tenant's domain is refused, and tenant credentials open nothing here.

use reqwest::Method;
use serde_json::json;
use tessera::platform::operators::OperatorRole;

use crate::api_auth::admin_token;
use crate::domains::{app_with_dns, unique_host};
use crate::helpers::console::signed_in_operator;
use crate::helpers::dns::DnsServer;
use crate::platform_api::{call, token};

#[tokio::test]
async fn operators_vouch_claim_and_remove_domains_through_the_api() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let (tenant, _) = app.create_tenant("wl-dom", "Club Vouched").await;
    let (other, _) = app.create_tenant("wl-oth", "Other Club").await;
    let writer = token(&app, OperatorRole::Operator).await;
    let reader = token(&app, OperatorRole::Support).await;
    let base = format!("/api/v1/platform/tenants/{}/domains", tenant.slug);
    let domain = unique_host("vouched");

    let body = json!({ "hostname": domain, "vouch": true });
    let (status, _) = call(&app, &reader, Method::POST, &base, Some(body.clone())).await;
    assert_eq!(status, 403, "a support operator changed a domain");
    let (status, created) = call(&app, &writer, Method::POST, &base, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["state"].as_str(), created["method"].as_str()),
        (Some("active"), Some("operator"))
    );
    let (status, page) = app.get_text(&domain, "/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Club Vouched"));

    let alias = format!("/api/v1/whitelabel/sites/{}/domains", tenant.slug);
    let (status, listed) = call(&app, &reader, Method::GET, &alias, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed[0]["hostname"], domain.as_str());

    let other_base = format!("/api/v1/platform/tenants/{}/domains", other.slug);
    let taken = json!({ "hostname": domain, "vouch": true });
    let (status, problem) = call(&app, &writer, Method::POST, &other_base, Some(taken)).await;
    assert_eq!(status, 409, "{problem}");
    let (_, listed) = call(&app, &reader, Method::GET, &other_base, None).await;
    assert_eq!(listed, json!([]));

    let claimed = unique_host("claimed");
    let body = json!({ "hostname": claimed });
    let (status, pending) = call(&app, &writer, Method::POST, &base, Some(body)).await;
    assert_eq!((status, pending["state"].as_str()), (201, Some("pending")));
    assert_eq!(app.get(&claimed, "/").await.status(), 404);

    // A tenant's administrator cannot use the platform API.
    let (_, admin) = admin_token(&app, &tenant, "admin@vouched.example").await;
    let (status, _) = call(&app, &admin, Method::GET, &base, None).await;
    assert_eq!(status, 401);

    let one = format!("{base}/{domain}");
    let (status, _) = call(&app, &writer, Method::DELETE, &one, None).await;
    assert_eq!(status, 204);
    assert_eq!(app.get(&domain, "/").await.status(), 404);
    let (status, _) = call(&app, &writer, Method::DELETE, &one, None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_console_lists_adds_and_removes_a_tenants_domains() {
    let dns = DnsServer::start().await;
    let app = app_with_dns(&dns).await;
    let (tenant, _) = app.create_tenant("con-dom", "Console Domains").await;
    let (mut console, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let page_path = format!("/console/tenants/{}", tenant.slug);
    let domain = unique_host("console");

    let added = console
        .post(
            &format!("{page_path}/domains"),
            &[("hostname", &domain), ("vouch", "1")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = console.get(&page_path).await;
    assert!(page.body.contains(&domain), "{}", page.body);
    assert_eq!(app.get(&domain, "/").await.status(), 200);

    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    let refused = support
        .post(&format!("{page_path}/domains/{domain}/delete"), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        !support.get(&page_path).await.body.contains("/delete\""),
        "support sees write buttons"
    );

    let removed = console
        .post(&format!("{page_path}/domains/{domain}/delete"), &[])
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(app.get(&domain, "/").await.status(), 404);
}
