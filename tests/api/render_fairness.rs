//! Finding 3: one tenant's slow templates must not starve the others of
//! render workers. Tenant A's template loops for a third of the render
//! timeout and is requested concurrently (bypassing the page cache, as a flash cookie
//! does); tenant B's page must stay about as fast as when A is idle.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tessera::tenancy::Tenant;

use crate::helpers::{TestApp, spawn_app};
use crate::themes::{tenant_on, upload};

/// A cookie that makes every request render (a flash is never cached).
const UNCACHED: [(&str, &str); 1] = [("cookie", "flash=info:x")];

/// `n`² loop iterations, then a marker.
fn slow_home(n: usize) -> String {
    format!(
        "{{% set s = \"{}\" %}}{{% for a in s %}}{{% for b in s %}}{{% endfor %}}{{% endfor %}}SLOW-DONE",
        "a".repeat(n)
    )
}

async fn render_time(app: &TestApp, tenant: &Tenant) -> (Duration, String) {
    let started = Instant::now();
    let response = app
        .get_with(tenant.default_host.as_str(), "/", &UNCACHED)
        .await;
    let body = response.text().await.unwrap_or_default();
    (started.elapsed(), body)
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn median_render_time(app: &TestApp, tenant: &Tenant, marker: &str) -> Duration {
    let mut samples = Vec::new();
    for _ in 0..9 {
        let (elapsed, body) = render_time(app, tenant).await;
        assert!(
            body.contains(marker),
            "B's own template was not used (answered in {elapsed:?}): no worker for B?\n{body}"
        );
        samples.push(elapsed);
    }
    median(samples)
}

/// A loop length that takes about `target` in a worker on this machine.
async fn calibrate(app: &TestApp, tenant: &Arc<Tenant>, target: Duration) -> usize {
    let probe = 1000;
    upload(app, tenant, &[("templates/home.html", &slow_home(probe))]).await;
    render_time(app, tenant).await; // starts a worker, compiles the set
    let (elapsed, body) = render_time(app, tenant).await;
    assert!(body.contains("SLOW-DONE"), "the probe must render:\n{body}");
    let scale = (target.as_secs_f64() / elapsed.as_secs_f64()).sqrt();
    ((probe as f64) * scale) as usize
}

/// Waits until `count` reaches `at_least`; false after `within`.
async fn reaches(count: &AtomicUsize, at_least: usize, within: Duration) -> bool {
    let started = Instant::now();
    while count.load(Ordering::Relaxed) < at_least {
        if started.elapsed() > within {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    true
}

/// With the test configuration's 2 workers, A may hold only one, so B always
/// finds the other. Without the per-tenant cap, A's queued requests hold both
/// and B either waits for one of A's renders (hundreds of milliseconds) or
/// gets the theme's page when its wait for a worker times out: both fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_tenant_does_not_starve_another() {
    let app = Arc::new(spawn_app().await);
    let a = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let b = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let b_home =
        "{% extends \"default/home.html\" %}{% block content %}<p>B-OWN</p>{% endblock content %}";
    upload(&app, &b, &[("templates/home.html", b_home)]).await;
    render_time(&app, &b).await; // warm up
    let unloaded = median_render_time(&app, &b, "B-OWN").await;

    // A tenth of the 5 s test timeout: A's renders succeed even on a loaded
    // machine, and each holds a worker far longer than B's render takes.
    let n = calibrate(&app, &a, Duration::from_millis(500)).await;
    upload(&app, &a, &[("templates/home.html", &slow_home(n))]).await;
    let hammering = Arc::new(AtomicBool::new(true));
    let slow_renders = Arc::new(AtomicUsize::new(0));
    let mut hammers = Vec::new();
    for _ in 0..6 {
        let (app, a) = (app.clone(), a.clone());
        let (hammering, slow_renders) = (hammering.clone(), slow_renders.clone());
        hammers.push(tokio::spawn(async move {
            while hammering.load(Ordering::Relaxed) {
                if render_time(&app, &a).await.1.contains("SLOW-DONE") {
                    slow_renders.fetch_add(1, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    // A's load is real: its slow renders finish before, and after, B's.
    let ten_seconds = Duration::from_secs(10);
    let a_rendering = reaches(&slow_renders, 1, ten_seconds).await;
    let loaded = if a_rendering {
        let before = slow_renders.load(Ordering::Relaxed);
        let loaded = median_render_time(&app, &b, "B-OWN").await;
        Some((
            loaded,
            reaches(&slow_renders, before + 1, ten_seconds).await,
        ))
    } else {
        None
    };
    hammering.store(false, Ordering::Relaxed);
    for hammer in hammers {
        hammer.await.unwrap();
    }
    let Some((loaded, a_still_rendering)) = loaded else {
        panic!("A's slow template never rendered (loops {n}²)");
    };
    assert!(a_still_rendering, "A stopped rendering during B's renders");
    eprintln!("B unloaded {unloaded:?}, while A is hammered {loaded:?} (A loops {n}²)");
    assert!(
        loaded <= unloaded * 3 + Duration::from_millis(250),
        "B took {loaded:?} while A was hammered, {unloaded:?} otherwise"
    );
}

/// Error pages are rendered in the server with the theme only: a tenant's
/// spinning `error.html` costs nothing on a 404 (in a worker, it would run
/// until the render timeout, 5 s in tests).
#[tokio::test]
async fn error_pages_never_wait_for_the_sandbox() {
    let app = spawn_app().await;
    let tenant = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let spin = slow_home(100_000);
    upload(&app, &tenant, &[("templates/error.html", &spin)]).await;
    let started = Instant::now();
    let response = app.get(tenant.default_host.as_str(), "/no-such-page").await;
    let elapsed = started.elapsed();
    assert_eq!(response.status(), 404);
    let body = response.text().await.unwrap_or_default();
    assert!(
        body.contains("Club default"),
        "the theme's error page:\n{body}"
    );
    assert!(
        elapsed < Duration::from_secs(1),
        "a 404 took {elapsed:?}, as if the tenant's error.html had run"
    );
}

/// A page the theme rendered because the tenant's own templates failed is
/// flagged, so it is not cached; repeated failures open the breaker.
#[tokio::test]
async fn failed_renders_are_degraded_and_open_the_breaker() {
    let app = spawn_app().await;
    let themes = &app.state.themes;
    let tenant = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let view = tessera::themes::PageView::detached(tenant.clone(), "/");
    let page = serde_json::json!({ "announcements": [] });
    let tx = tessera::db::TenantTx::lazy(&app.state.db, tenant.clone());
    let render = || themes.render_page(&tx, &view, "home.html", &page);
    assert!(!render().await.unwrap().degraded, "no own templates");
    upload(
        &app,
        &tenant,
        &[("templates/home.html", "{{ page.missing.x }}")],
    )
    .await;
    for _ in 0..tessera::themes::sandbox::admission::FAILURES_TO_OPEN {
        assert!(render().await.unwrap().degraded, "the theme stood in");
    }
    let strict = themes
        .render_strict(&tx, &view, "home.html", &page)
        .await
        .unwrap_err()
        .to_string();
    assert!(strict.contains("in a row"), "the breaker is open: {strict}");
    let fixed = "{% extends \"default/home.html\" %}{% block content %}FIXED{% endblock content %}";
    upload(&app, &tenant, &[("templates/home.html", fixed)]).await;
    let rendered = render().await.unwrap();
    assert!(
        !rendered.degraded && rendered.html.contains("FIXED"),
        "an upload closes it"
    );
}
