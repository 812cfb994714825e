//! Cache coherence: two instances share one database; what one changes, the
//! other sees within a second (through LISTEN/NOTIFY, not a TTL).

use std::time::{Duration, Instant};

use tessera::tenancy::provision::NewTenant;
use tessera::tenancy::{Hostname, TenantStatus};

use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config, unique_slug};

async fn first_seen(
    app: &TestApp,
    host: &str,
    done: impl Fn(u16, &str) -> bool,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(1) {
        let (status, body) = app.get_text(host, "/").await;
        if done(status, &body) {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

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
    let seen = first_seen(&two, host, |_, body| body.contains("After Rename")).await;
    assert!(
        seen.is_some(),
        "instance two still serves the old name after 1 s"
    );

    // Suspend through instance one.
    let provisioner = &one.state.provisioner;
    provisioner
        .set_status(&tenant.slug, TenantStatus::Suspended, "test")
        .await
        .unwrap();
    let seen = first_seen(&two, host, |status, _| status == 503).await;
    assert!(
        seen.is_some(),
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
    let seen = first_seen(&two, &domain, |status, body| {
        status == 200 && body.contains("Late Domain")
    })
    .await;
    assert!(
        seen.is_some(),
        "the negative cache entry outlived the new domain"
    );
}
