//! The demo tenants in a real browser (headless Chromium driven through
//! chromedriver): screenshots at phone and desktop widths, kept under
//! `target/screenshots/`, and no horizontal overflow at 360 px.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tessera::manifest;
use tessera::seed;
use tessera::themes::preview;

use crate::helpers::{TestApp, spawn_isolated_app};

pub struct Driver {
    process: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

pub fn start_chromedriver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let process = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver not found: install chromium and chromium-driver (tests/run.sh does)");
    Driver { process, port }
}

pub async fn browser(driver: &Driver, width: u32, height: u32, profile: &Path) -> Client {
    // Two TLS backends are linked into the test binary; pick one (the
    // connection to chromedriver is plain HTTP anyway).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--hide-scrollbars", format!("--user-data-dir={}", profile.display())],
            "mobileEmulation": { "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "mobile": false } }
        }
    });
    let capabilities = match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{}", driver.port);
    let started = Instant::now();
    loop {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return client,
            Err(error) if started.elapsed() < Duration::from_secs(20) => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("cannot start Chromium through chromedriver: {error}"),
        }
    }
}

async fn demo_app() -> (TestApp, Vec<String>) {
    let app = spawn_isolated_app().await;
    let manifests = manifest::load_dir(Path::new("tenants")).unwrap();
    manifest::check(&manifests, &app.state.themes).unwrap();
    manifest::apply(&app.state.provisioner, &manifests, false, "test")
        .await
        .unwrap();
    manifest::sync_files(&app.state.db, &manifests)
        .await
        .unwrap();
    seed::demo::seed_all(&app.state, &manifests).await.unwrap();
    let slugs = manifests.iter().map(|(slug, _)| slug.to_string()).collect();
    (app, slugs)
}

/// Signs in through the portal's own form at `base` and presses its button
/// (callers wait for where it leads).
pub async fn sign_in(client: &Client, base: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base}/accounts/login/"))
        .await
        .expect("login page");
    for (field, value) in [("f-email", email), ("f-password", password)] {
        let input = client.find(Locator::Id(field)).await.expect(field);
        input.send_keys(value).await.expect(field);
    }
    client
        .find(Locator::Css("form.form button[type=submit]"))
        .await
        .expect("the sign-in button")
        .click()
        .await
        .expect("clicked");
}

pub async fn overflows(client: &Client) -> bool {
    let script =
        "return document.documentElement.scrollWidth > document.documentElement.clientWidth";
    client
        .execute(script, vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(true)
}

async fn shoot(client: &Client, url: &str, file: &Path) {
    client.goto(url).await.unwrap();
    let png = client.screenshot().await.unwrap();
    std::fs::write(file, png).unwrap();
}

#[tokio::test]
async fn demo_tenants_fit_phones_and_desktops() {
    let (app, slugs) = demo_app().await;
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&out).unwrap();
    let out = out.canonicalize().unwrap();
    for slug in &slugs {
        let tenant = tessera::tenancy::registry::find_by_slug(
            app.pool(),
            &tessera::tenancy::Slug::parse(slug).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        let mut tx = tessera::db::TenantTx::lazy(&app.state.db, std::sync::Arc::new(tenant));
        let home = tessera::portal::home_page(&mut tx).await.unwrap();
        preview::write(
            &app.state.themes,
            &tx,
            &home,
            &out.join("preview").join(slug),
        )
        .await
        .unwrap();
    }
    let driver = start_chromedriver();
    let profiles = tempdir("chromium");
    let mut problems = Vec::new();
    for (width, height) in [(360, 800), (1280, 900)] {
        let client = browser(&driver, width, height, &profiles.join(width.to_string())).await;
        for slug in &slugs {
            let url = format!("http://{slug}.localhost:{}/", app.addr.port());
            let file = out.join(format!("{slug}-{width}.png"));
            shoot(&client, &url, &file).await;
            if width == 360 && overflows(&client).await {
                problems.push(format!("{url} overflows at 360 px ({})", file.display()));
            }
            let guide = out.join("preview").join(slug).join("styleguide.fr.html");
            let file = out.join(format!("{slug}-styleguide-{width}.png"));
            shoot(&client, &format!("file://{}", guide.display()), &file).await;
            if width == 360 && overflows(&client).await {
                problems.push(format!(
                    "{slug} style guide overflows at 360 px ({})",
                    file.display()
                ));
            }
        }
        client.close().await.unwrap();
    }
    eprintln!("screenshots in {}", out.display());
    assert!(problems.is_empty(), "{problems:#?}");
}

pub fn tempdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
