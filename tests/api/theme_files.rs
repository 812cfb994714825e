//! A tenant's own files after the first render: a changed template and a
//! removed static file reach every instance within a second (finding 1), and
//! the folder walkers refuse symlinks (finding 14).

use std::time::{Duration, Instant};

use axum::body::Bytes;
use tessera::themes::source::StaticFile;

use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config};
use crate::themes::{tenant_on, upload};

const SECOND: Duration = Duration::from_secs(1);

fn home(marker: &str) -> String {
    format!(
        "{{% extends \"default/home.html\" %}}{{% block content %}}<p>{marker}</p>{{{{ super() }}}}{{% endblock content %}}"
    )
}

/// Polls `GET path` on `host` until it answers `status`; false after `within`.
async fn wait_for_status(app: &TestApp, host: &str, path: &str, status: u16) -> bool {
    let started = Instant::now();
    while started.elapsed() < SECOND {
        if app.get(host, path).await.status() == status {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn files_changed_after_the_first_render_reach_both_instances() {
    let options = shared_database().await;
    let one = spawn_app_with(options.clone(), test_config()).await;
    let two = spawn_app_with(options, test_config()).await;
    let tenant = tenant_on(&one, "default", "fr", "#1d4ed8").await;
    let host = tenant.default_host.as_str();
    let document = "a document that will be taken down";
    let url = format!(
        "/static/{}/notice.txt",
        StaticFile::new("notice.txt", Bytes::from(document)).hash
    );
    let v1 = home("VERSION-ONE");
    upload(
        &one,
        &tenant,
        &[
            ("templates/home.html", &v1),
            ("static/notice.txt", document),
        ],
    )
    .await;
    // Both instances render and cache the tenant's files.
    for app in [&one, &two] {
        let (status, page) = app.get_text(host, "/").await;
        assert_eq!(status, 200);
        assert!(page.contains("VERSION-ONE"), "first render:\n{page}");
        assert_eq!(app.get(host, &url).await.status(), 200);
    }

    let v2 = home("VERSION-TWO");
    upload(
        &one,
        &tenant,
        &[
            ("templates/home.html", &v2),
            ("static/notice.txt", document),
        ],
    )
    .await;
    for (name, app) in [("one", &one), ("two", &two)] {
        let seen = app
            .wait_for_home(host, SECOND, |_, page| page.contains("VERSION-TWO"))
            .await;
        assert!(
            seen,
            "instance {name} still renders the old template after 1 s"
        );
    }

    upload(&one, &tenant, &[("templates/home.html", &v2)]).await;
    for (name, app) in [("one", &one), ("two", &two)] {
        assert!(
            wait_for_status(app, host, &url, 404).await,
            "instance {name} still serves a deleted static file after 1 s"
        );
    }
}
