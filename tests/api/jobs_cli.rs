//! Operators and the job queue's dead letters: `tessera jobs list` and
//! `tessera jobs retry`, over the real binary.

use serde_json::json;
use tessera::jobs::{self, NewJob};

use crate::helpers::{migrated_database, spawn_app_with};
use crate::jobs::{fast_config, state_of, test_worker};

#[tokio::test]
async fn operators_list_dead_jobs_and_retry_them_from_the_command_line() {
    let options = migrated_database().await;
    let app = spawn_app_with(options.clone(), fast_config()).await;
    let (worker, _) = test_worker(&app);
    let id = jobs::enqueue_platform(app.pool(), None, NewJob::new("test.broken", json!({})))
        .await
        .unwrap();
    jobs::enqueue_platform(app.pool(), None, NewJob::new("test.ok", json!({})))
        .await
        .unwrap();
    while !worker.run_once().await.unwrap().is_empty() {}

    let url = crate::helpers::cluster::database_url(&options);
    let tessera = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", &url)
            .args(args)
            .output()
            .unwrap()
    };
    let listed = tessera(&["jobs", "list", "--dead", "--json"]);
    assert!(listed.status.success(), "{listed:?}");
    let dead: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let dead = dead.as_array().unwrap();
    assert_eq!(dead.len(), 1, "only the dead job: {dead:?}");
    assert_eq!(dead[0]["id"], id);
    assert_eq!(dead[0]["state"], "dead");
    assert_eq!(dead[0]["last_error"], "bad payload");
    let table = String::from_utf8(tessera(&["jobs", "list"]).stdout).unwrap();
    assert!(
        table.contains("test.broken") && table.contains("test.ok"),
        "{table}"
    );

    assert!(
        tessera(&["jobs", "retry", &id.to_string()])
            .status
            .success()
    );
    assert_eq!(state_of(&app, id).await.0, "pending");
    let again = tessera(&["jobs", "retry", &id.to_string()]);
    assert!(!again.status.success(), "not dead any more");
    assert!(String::from_utf8_lossy(&again.stderr).contains("not in the dead-letter queue"));
}
