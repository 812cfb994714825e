//! What holds a connection: background tasks must not take the slots that
//! requests need.

use crate::helpers::{shared_database, spawn_app_with, test_config};

#[tokio::test]
async fn the_change_listener_does_not_hold_a_platform_connection() {
    // One platform connection: if the listener kept it, resolving a host
    // would wait for the acquire timeout and answer 503.
    let mut config = test_config();
    config.db.platform_connections = 1;
    config.db.acquire_timeout_secs = 1;
    let app = spawn_app_with(shared_database().await, config).await;
    let (tenant, _) = app.create_tenant("one-conn", "One connection").await;
    let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("One connection"));
}
