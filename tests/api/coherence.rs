//! Cache coherence: two instances share one database; what one changes, the
//! other sees within a second (through LISTEN/NOTIFY, not a TTL).

use std::time::Duration;

const SECOND: Duration = Duration::from_secs(1);

use tessera::tenancy::provision::NewTenant;
use tessera::tenancy::{Hostname, TenantStatus};

use crate::helpers::{shared_database, spawn_app_with, test_config, unique_slug};

#[tokio::test]
async fn changes_through_one_instance_reach_the_other_within_a_second() {
    let options = shared_database().await;
    let one = spawn_app_with(options.clone(), test_config()).await;
    let two = spawn_app_with(options, test_config()).await;
    let (tenant, _) = one.create_tenant("coh", "Before Rename").await;
    let host = tenant.default_host.as_str();

    // Instance two caches the tenant.
    let (_, body) = two.get_text(host, "/").await;
    assert!(body.contains("Before Rename"));

    // Rename through instance one.
    let mut change = NewTenant::new(tenant.slug.clone(), "After Rename");
    change.locale = tenant.locale.clone();
    assert!(one.state.provisioner.update(&change, "test").await.unwrap());
    let seen = two
        .wait_for_home(host, SECOND, |_, body| body.contains("After Rename"))
        .await;
    assert!(seen, "instance two still serves the old name after 1 s");

    // Suspend through instance one.
    let provisioner = &one.state.provisioner;
    provisioner
        .set_status(&tenant.slug, TenantStatus::Suspended, None, "test")
        .await
        .unwrap();
    let seen = two
        .wait_for_home(host, SECOND, |status, _| status == 503)
        .await;
    assert!(
        seen,
        "instance two still serves a suspended tenant after 1 s"
    );
}

#[tokio::test]
async fn a_new_domain_replaces_a_cached_unknown_host() {
    let options = shared_database().await;
    let one = spawn_app_with(options.clone(), test_config()).await;
    let two = spawn_app_with(options, test_config()).await;
    let domain = format!("late-{}.example", std::process::id());
    // Instance two remembers that nobody answers at this domain…
    assert_eq!(two.get(&domain, "/").await.status(), 404);
    // …until instance one gives it to a new tenant.
    let mut new = NewTenant::new(unique_slug("late"), "Late Domain");
    new.domains = vec![Hostname::parse(&domain).unwrap()];
    one.create(&new).await;
    let seen = two
        .wait_for_home(&domain, SECOND, |status, body| {
            status == 200 && body.contains("Late Domain")
        })
        .await;
    assert!(seen, "the negative cache entry outlived the new domain");
}

#[tokio::test]
async fn a_removed_domain_stops_resolving_on_the_other_instance() {
    let options = shared_database().await;
    let one = spawn_app_with(options.clone(), test_config()).await;
    let two = spawn_app_with(options, test_config()).await;
    let domain = format!("leaving-{}.example", std::process::id());
    let mut new = NewTenant::new(unique_slug("leave"), "Leaving Domain");
    new.domains = vec![Hostname::parse(&domain).unwrap()];
    let (tenant, _) = one.create(&new).await;
    assert!(two.wait_for_home(&domain, SECOND, |s, _| s == 200).await);

    let mut change = NewTenant::new(tenant.slug.clone(), "Leaving Domain");
    change.locale = tenant.locale.clone();
    assert!(one.state.provisioner.update(&change, "test").await.unwrap());
    let gone = two.wait_for_home(&domain, SECOND, |s, _| s == 404).await;
    assert!(gone, "instance two still serves a removed domain after 1 s");
    let (status, _) = two.get_text(tenant.default_host.as_str(), "/").await;
    assert_eq!(
        status, 200,
        "the tenant's default host went with the domain"
    );
}

#[tokio::test]
async fn a_domain_moved_by_hand_announces_both_tenants() {
    let options = shared_database().await;
    let app = spawn_app_with(options.clone(), test_config()).await;
    let domain = format!("moved-{}.example", std::process::id());
    let mut first = NewTenant::new(unique_slug("from"), "Old Owner");
    first.domains = vec![Hostname::parse(&domain).unwrap()];
    let (from, _) = app.create(&first).await;
    let (to, _) = app.create_tenant("to", "New Owner").await;
    assert!(
        app.wait_for_home(&domain, SECOND, |s, b| s == 200 && b.contains("Old Owner"))
            .await
    );

    let pool = sqlx::PgPool::connect_lazy_with(options);
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool)
        .await
        .unwrap();
    listener.listen("tessera_tenants").await.unwrap();
    sqlx::query("UPDATE platform.domains SET tenant_id = $2 WHERE hostname = $1")
        .bind(&domain)
        .bind(to.id)
        .execute(&pool)
        .await
        .unwrap();
    let mut named = std::collections::HashSet::new();
    let wanted = [from.id.to_string(), to.id.to_string()];
    let deadline = tokio::time::Instant::now() + SECOND;
    while !wanted.iter().all(|id| named.contains(id)) {
        match tokio::time::timeout_at(deadline, listener.recv()).await {
            Ok(notification) => named.insert(notification.unwrap().payload().to_owned()),
            Err(_) => break,
        };
    }
    assert!(
        wanted.iter().all(|id| named.contains(id)),
        "a moved domain announced {named:?}, not both {wanted:?}"
    );
    let moved = app
        .wait_for_home(&domain, SECOND, |s, b| s == 200 && b.contains("New Owner"))
        .await;
    assert!(moved, "the moved domain still serves its old owner");
}
