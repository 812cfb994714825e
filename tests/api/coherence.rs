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
        .set_status(&tenant.slug, TenantStatus::Suspended, "test")
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
