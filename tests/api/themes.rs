//! Themes, branding and languages: each tenant looks like itself, overrides
//! stay with their tenant, hostile templates fail safely.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tessera::tenancy::Tenant;
use tessera::tenancy::provision::{NewTenant, ProvisionError};
use tessera::themes::{Branding, Colour, tenant_files};

use crate::helpers::{TestApp, publish, spawn_app, spawn_isolated_app, unique_slug};

fn brand(primary: &str) -> Branding {
    Branding {
        primary: Colour::parse(primary).ok(),
        logo: Some("logo.svg".into()),
        tagline: Some(format!("tagline {primary}")),
        ..Branding::default()
    }
}

pub async fn tenant_on(app: &TestApp, theme: &str, locale: &str, primary: &str) -> Arc<Tenant> {
    let mut new = NewTenant::new(unique_slug(theme), format!("Club {theme}"));
    new.theme = theme.into();
    new.locale = locale.into();
    new.brand = brand(primary);
    app.create(&new).await.0
}

/// Replaces a tenant's own files, as `tessera tenant apply` does.
pub async fn upload(app: &TestApp, tenant: &Arc<Tenant>, files: &[(&str, &str)]) {
    let wanted: BTreeMap<String, Vec<u8>> = files
        .iter()
        .map(|(p, c)| (p.to_string(), c.as_bytes().to_vec()))
        .collect();
    let mut tx = app.tenant_tx(tenant).await;
    tenant_files::replace_all(&mut tx, &wanted).await.unwrap();
    tx.commit().await.unwrap();
    // Let the change notification reach the caches.
    tokio::time::sleep(Duration::from_millis(150)).await;
}

const LOGO: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 4 4\"><rect width=\"4\" height=\"4\"/></svg>";

fn static_url<'a>(page: &'a str, file: &str) -> Option<&'a str> {
    let end = page.find(&format!("/{file}\""))? + file.len() + 1;
    let start = page[..end].rfind("\"/static/")? + 1;
    Some(&page[start..end])
}

#[tokio::test]
async fn three_tenants_on_three_themes_render_their_own_brand() {
    let app = spawn_app().await;
    let cases = [
        (
            "default",
            "fr",
            "#0b6e4f",
            "class=\"cards\"",
            "Dernières annonces",
        ),
        (
            "classic",
            "en",
            "#6d28d9",
            "class=\"gazette\"",
            "Latest announcements",
        ),
        (
            "vivid",
            "fr",
            "#b42318",
            "class=\"tiles\"",
            "Rejoindre l’association",
        ),
    ];
    for (theme, locale, colour, marker, heading) in cases {
        let tenant = tenant_on(&app, theme, locale, colour).await;
        upload(&app, &tenant, &[("static/logo.svg", LOGO)]).await;
        publish(&app, &tenant, &format!("news on {theme}")).await;
        let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
        assert_eq!(status, 200, "{theme}");
        assert!(
            page.contains(marker),
            "{theme}: layout marker {marker} missing"
        );
        assert!(
            page.contains(&format!("--brand-primary:{colour}")),
            "{theme}: colour"
        );
        assert!(
            page.contains(&format!("lang=\"{locale}\"")),
            "{theme}: language"
        );
        assert!(page.contains(heading), "{theme}: translated text {heading}");
        assert!(
            page.contains(&format!("tagline {colour}")),
            "{theme}: tagline"
        );
        let logo =
            static_url(&page, "logo.svg").unwrap_or_else(|| panic!("{theme}: no logo in\n{page}"));
        let response = app.get(tenant.default_host.as_str(), logo).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        assert!(
            response.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
    }
}

#[tokio::test]
async fn an_override_in_one_tenant_never_shows_for_another() {
    let app = spawn_app().await;
    let a = tenant_on(&app, "default", "fr", "#1d4ed8").await;
    let b = tenant_on(&app, "default", "fr", "#1d4ed8").await;
    let home = "{% extends \"default/home.html\" %}{% block content %}<p>ONLY-FOR-A</p>{{ super() }}{% endblock content %}";
    upload(
        &app,
        &a,
        &[("templates/home.html", home), ("static/logo.svg", LOGO)],
    )
    .await;

    let (_, page_a) = app.get_text(a.default_host.as_str(), "/").await;
    assert!(
        page_a.contains("ONLY-FOR-A"),
        "A's override must apply:\n{page_a}"
    );
    for _ in 0..2 {
        let (_, page_b) = app.get_text(b.default_host.as_str(), "/").await;
        assert!(!page_b.contains("ONLY-FOR-A"), "A's template reached B");
        assert!(
            static_url(&page_b, "logo.svg").is_none(),
            "B shows a logo it does not have"
        );
    }
    // A's file is not served on B's host, whatever the URL.
    let logo = static_url(&page_a, "logo.svg").unwrap().to_owned();
    assert_eq!(app.get(a.default_host.as_str(), &logo).await.status(), 200);
    assert_eq!(app.get(b.default_host.as_str(), &logo).await.status(), 404);
}

#[tokio::test]
async fn the_visitor_chooses_the_language() {
    let app = spawn_app().await;
    let tenant = tenant_on(&app, "default", "fr", "#1d4ed8").await;
    let host = tenant.default_host.as_str();
    let (_, page) = app.get_text(host, "/").await;
    assert!(page.contains("lang=\"fr\"") && page.contains("Dernières annonces"));

    let response = app.get(host, "/?lang=en").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("lang=en") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    let english = app
        .get_with(host, "/", &[("cookie", "lang=en")])
        .await
        .text()
        .await
        .unwrap();
    assert!(english.contains("lang=\"en\"") && english.contains("Latest announcements"));
    // The cached French page is still French.
    let (_, page) = app.get_text(host, "/").await;
    assert!(page.contains("Dernières annonces"));
}

#[tokio::test]
async fn a_flash_message_shows_once_and_is_not_cached() {
    let app = spawn_app().await;
    let tenant = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let host = tenant.default_host.as_str();
    let response = app
        .get_with(host, "/", &[("cookie", "flash=success:flash-saved")])
        .await;
    let cleared = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cleared.starts_with("flash=") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your changes have been saved.")
    );
    let (_, page) = app.get_text(host, "/").await;
    assert!(
        !page.contains("Your changes have been saved."),
        "a flash leaked into the cache"
    );
}

#[tokio::test]
async fn static_files_are_cache_busted() {
    let app = spawn_app().await;
    let tenant = tenant_on(&app, "classic", "en", "#1d4ed8").await;
    let host = tenant.default_host.as_str();
    let (_, page) = app.get_text(host, "/").await;
    let css = static_url(&page, "css/classic.css").unwrap().to_owned();
    let fresh = app.get(host, &css).await;
    assert_eq!(fresh.status(), 200);
    assert_eq!(fresh.headers()["content-type"], "text/css");
    let etag = fresh.headers()["etag"].to_str().unwrap().to_owned();
    let stale = app.get(host, "/static/000000000000/css/classic.css").await;
    assert_eq!(stale.status(), 200);
    assert_eq!(stale.headers()["cache-control"], "no-cache");
    let revalidated = app.get_with(host, &css, &[("if-none-match", &etag)]).await;
    assert_eq!(revalidated.status(), 304);
    assert_eq!(
        app.get(host, "/static/000000000000/nope.css")
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(host, "/static/000000000000/../../Cargo.toml")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn unreadable_brand_colours_are_refused_with_a_suggestion() {
    let app = spawn_isolated_app().await;
    let mut new = NewTenant::new(unique_slug("pale"), "Pale");
    new.brand = brand("#7fb3d5");
    let error = app
        .state
        .provisioner
        .create(&new, "test")
        .await
        .unwrap_err();
    let ProvisionError::Invalid(message) = error else {
        panic!("expected a validation error, got {error}");
    };
    assert!(
        message.contains("WCAG AA") && message.contains("darker shade #"),
        "{message}"
    );
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM platform.tenants")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(count, 0);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test]
async fn dev_mode_reloads_themes_from_disk() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("themes-{}", uuid::Uuid::new_v4().simple()));
    copy_dir(std::path::Path::new("themes/default"), &dir.join("default"));
    let mut config = crate::helpers::test_config();
    config.themes_dir = dir.clone();
    config.dev_mode = true;
    let app = crate::helpers::spawn_app_with(crate::helpers::shared_database().await, config).await;
    let tenant = tenant_on(&app, "default", "fr", "#1d4ed8").await;
    let host = tenant.default_host.as_str();
    assert!(
        app.get_text(host, "/")
            .await
            .1
            .contains("Dernières annonces")
    );

    let ftl = dir.join("default/locales/fr/main.ftl");
    let text = std::fs::read_to_string(&ftl)
        .unwrap()
        .replace("Dernières annonces", "Nouvelles fraîches");
    std::fs::write(&ftl, text).unwrap();
    let template = dir.join("default/templates/home.html");
    let html = std::fs::read_to_string(&template)
        .unwrap()
        .replace("class=\"news\"", "class=\"news edited\"");
    std::fs::write(&template, html).unwrap();

    let (_, page) = app.get_text(host, "/").await;
    assert!(
        page.contains("Nouvelles fraîches") && page.contains("news edited"),
        "no hot reload:\n{page}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Finding 8: a worker's compiled set belongs to one theme; after a switch
/// the tenant's own templates render over the new theme's chain.
#[tokio::test]
async fn a_tenant_with_own_templates_that_switches_theme_gets_the_new_chain() {
    let app = spawn_app().await;
    let tenant = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let base = "{% extends \"default/base.html\" %}{% block footer %}<p>TENANT-FOOTER</p>{% endblock footer %}";
    publish(&app, &tenant, "news").await;
    upload(&app, &tenant, &[("templates/base.html", base)]).await;
    let host = tenant.default_host.as_str();
    let (_, page) = app.get_text(host, "/").await;
    assert!(
        page.contains("TENANT-FOOTER") && page.contains("class=\"cards\""),
        "{:?}\n{page}",
        app.state.themes.last_error(tenant.id)
    );

    let mut change = NewTenant::new(tenant.slug.clone(), tenant.name.clone());
    change.locale = tenant.locale.clone();
    change.theme = "classic".into();
    change.brand = tenant.brand.clone();
    assert!(app.state.provisioner.update(&change, "test").await.unwrap());
    let switched = app
        .wait_for_home(host, Duration::from_secs(1), |_, page| {
            !page.contains("class=\"cards\"")
        })
        .await;
    assert!(switched, "still rendered over the default theme after 1 s");
    for _ in 0..3 {
        let (_, page) = app.get_text(host, "/").await;
        assert!(
            page.contains("class=\"gazette\""),
            "classic's home:\n{page}"
        );
        assert!(page.contains("TENANT-FOOTER"), "the tenant's own base");
    }
}

/// `theme check` renders into a private folder of its own (an unpredictable
/// name, so nobody can plant a link there first) and removes it; a preview
/// the operator asked for under the temp dir is kept.
#[tokio::test]
async fn theme_check_cleans_up_and_previews_are_kept() {
    let app = spawn_app().await;
    let url = crate::helpers::cluster::database_url(&crate::helpers::shared_database().await);
    let tenant = tenant_on(&app, "default", "en", "#1d4ed8").await;
    let tmp = tempfile::tempdir().unwrap();
    let theme = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
            .env("RUST_LOG", "warn")
            .env("DATABASE_URL", &url)
            .env("TMPDIR", tmp.path())
            .args(["theme"])
            .args(args)
            .args(["--tenant", tenant.slug.as_str()])
            .output()
            .unwrap()
    };
    let checked = theme(&["check"]);
    assert!(checked.status.success(), "{checked:?}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "theme check left {left:?}");
    let out = tmp.path().join("preview");
    let previewed = theme(&["preview", "--out", out.to_str().unwrap()]);
    assert!(previewed.status.success(), "{previewed:?}");
    assert!(
        out.join("home.en.html").is_file(),
        "the preview was deleted"
    );
}
