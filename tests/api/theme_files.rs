//! A tenant's own files after the first render: a changed template and a
//! removed static file reach every instance within a second (finding 1), and
//! the folder walkers refuse symlinks (finding 14).

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use tessera::tenancy::registry;
use tessera::themes::Themes;
use tessera::themes::source::StaticFile;
use tessera::themes::tenant_files;

use crate::helpers::cluster::database_url;
use crate::helpers::{
    TestApp, shared_database, spawn_app, spawn_app_with, test_config, unique_slug,
};
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

/// What the walkers say when they meet a link.
const LINK_REFUSED: &str = "is a symbolic link, which is refused";

fn apply(url: &str, dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .args(["tenant", "apply"])
        .arg(dir)
        .output()
        .unwrap()
}

/// `tenant apply` refuses a link in a tenant's folder (to a secret, or a
/// loop), names it, and changes nothing: neither the tenant nor its files.
#[tokio::test]
async fn tenant_apply_refuses_symlinks_and_changes_nothing() {
    let app = spawn_app().await;
    let url = database_url(&shared_database().await);
    let dir = tempfile::tempdir().unwrap();
    let slug = unique_slug("links");
    let folder = dir.path().join(slug.as_str());
    std::fs::create_dir_all(folder.join("static")).unwrap();
    std::fs::write(folder.join("tenant.toml"), "name = \"Links\"\n").unwrap();
    std::fs::write(folder.join("static/ok.txt"), "fine").unwrap();
    let applied = apply(&url, dir.path());
    assert!(applied.status.success(), "{applied:?}");

    let secret = dir.path().join("pg-password");
    std::fs::write(&secret, "TOP-SECRET").unwrap();
    std::fs::write(folder.join("tenant.toml"), "name = \"Links Renamed\"\n").unwrap();
    let leak = folder.join("static/leak.txt");
    symlink(&secret, &leak).unwrap();
    let refused = apply(&url, dir.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains(&format!("{}: {LINK_REFUSED}", leak.display())),
        "{stderr}"
    );
    std::fs::remove_file(&leak).unwrap();
    let looping = folder.join("static/loop");
    symlink(".", &looping).unwrap();
    let refused = apply(&url, dir.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!("{}: {LINK_REFUSED}", looping.display())),
        "{stderr}"
    );

    let tenant = registry::find_by_slug(app.pool(), &slug)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tenant.name, "Links", "the tenant was not updated");
    let mut tx = app.tenant_tx(&std::sync::Arc::new(tenant)).await;
    let files = tenant_files::load(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    let paths: Vec<&String> = files.statics.keys().collect();
    assert_eq!(paths, ["ok.txt"], "its files were not changed");
}

fn load_error(themes_dir: &Path) -> String {
    match Themes::load(themes_dir, false, None) {
        Ok(_) => String::new(),
        Err(error) => error.to_string(),
    }
}

/// A theme folder with a link (to a secret, or a loop) does not load, and
/// neither does a theme folder that is itself a link.
#[test]
fn themes_with_symlinks_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("linked");
    std::fs::create_dir_all(theme.join("static")).unwrap();
    std::fs::write(
        theme.join("theme.toml"),
        "name = \"linked\"\nparent = \"default\"\n",
    )
    .unwrap();
    std::fs::write(theme.join("static/ok.txt"), "fine").unwrap();
    assert_eq!(load_error(dir.path()), "", "the theme loads without links");

    let secret = dir.path().join("pg-password");
    std::fs::write(&secret, "TOP-SECRET").unwrap();
    let leak = theme.join("static/leak.txt");
    symlink(&secret, &leak).unwrap();
    let refused = load_error(dir.path());
    assert!(
        refused.contains(&format!("{}: {LINK_REFUSED}", leak.display())),
        "{refused}"
    );
    std::fs::remove_file(&leak).unwrap();
    let looping = theme.join("static/loop");
    symlink("..", &looping).unwrap();
    let refused = load_error(dir.path());
    assert!(
        refused.contains(&format!("{}: {LINK_REFUSED}", looping.display())),
        "{refused}"
    );
    std::fs::remove_file(&looping).unwrap();
    let moved = dir.path().join("elsewhere");
    std::fs::rename(&theme, &moved).unwrap();
    symlink(&moved, &theme).unwrap();
    let refused = load_error(dir.path());
    assert!(
        refused.contains(&format!("{}: {LINK_REFUSED}", theme.display())),
        "{refused}"
    );
}
