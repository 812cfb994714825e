//! The page cache: pages stay with their tenant, and changes show up without
//! waiting for the TTL.

use std::time::Duration;

use crate::helpers::{publish, spawn_app};

#[tokio::test]
async fn cached_pages_never_cross_tenants() {
    let app = spawn_app().await;
    assert!(app.state.pages.is_enabled());
    let (a, _) = app.create_tenant("pc-a", "Cache Alpha").await;
    let (b, _) = app.create_tenant("pc-b", "Cache Beta").await;
    publish(&app, &a, "alpha only").await;
    publish(&app, &b, "beta only").await;
    for _ in 0..3 {
        let (_, page_a) = app.get_text(a.default_host.as_str(), "/").await;
        let (_, page_b) = app.get_text(b.default_host.as_str(), "/").await;
        assert!(page_a.contains("alpha only") && !page_a.contains("beta only"));
        assert!(page_b.contains("beta only") && !page_b.contains("alpha only"));
    }
}

#[tokio::test]
async fn a_new_announcement_replaces_the_cached_page() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("pc-new", "Fresh").await;
    let host = tenant.default_host.as_str();
    let (_, before) = app.get_text(host, "/").await;
    assert!(!before.contains("brand new"));
    publish(&app, &tenant, "brand new").await;
    assert!(
        app.wait_for_home(host, Duration::from_secs(1), |_, p| p.contains("brand new"))
            .await,
        "the cached page outlived the change by more than a second"
    );
}

#[tokio::test]
async fn a_scheduled_announcement_appears_when_due() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("pc-due", "Scheduled").await;
    let due = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let mut tx = app.tenant_tx(&tenant).await;
    tessera::announcements::create(&mut tx, "due soon", "", Some(due))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let host = tenant.default_host.as_str();
    // Let the insert's notification pass, then cache a page without it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, page) = app.get_text(host, "/").await;
    assert!(!page.contains("due soon"));
    assert!(
        app.wait_for_home(host, Duration::from_secs(4), |_, p| p.contains("due soon"))
            .await,
        "the scheduled announcement never appeared"
    );
}

#[tokio::test]
async fn renaming_a_tenant_refreshes_its_cached_page() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("pc-ren", "Old Name").await;
    let host = tenant.default_host.as_str();
    assert!(app.get_text(host, "/").await.1.contains("Old Name"));
    let mut change = tessera::tenancy::provision::NewTenant::new(tenant.slug.clone(), "New Name");
    change.locale = tenant.locale.clone();
    app.state.provisioner.update(&change, "test").await.unwrap();
    assert!(
        app.wait_for_home(host, Duration::from_secs(1), |_, p| p.contains("New Name"))
            .await
    );
}
