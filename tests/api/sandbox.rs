//! Tenants' own templates are untrusted: refused when they reach for what
//! they must not, and harmless when they misbehave at render time.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::helpers::{publish, spawn_app};
use crate::themes::{tenant_on, upload};

#[tokio::test]
async fn hostile_templates_are_refused_when_checked() {
    let app = spawn_app().await;
    let themes = &app.state.themes;
    let check = |source: &str| {
        let templates = BTreeMap::from([("home.html".to_owned(), source.to_owned())]);
        themes.check_templates("default", &templates)
    };
    let env = check("{{ get_env(name=\"DATABASE_URL\") }}").unwrap_err();
    assert!(env.contains("get_env"), "{env}");
    let include = check("{% include \"../../../etc/passwd\" %}").unwrap_err();
    assert!(include.contains("passwd"), "{include}");
    let syntax = check("<p>\n{{ page.title | upper( }}</p>").unwrap_err();
    assert!(
        syntax.contains("home.html:2"),
        "the error names file and line: {syntax}"
    );
    assert!(check("{% extends \"default/home.html\" %}").is_ok());
}

/// Stores hostile templates directly (as if validation had been skipped) and
/// checks that members still get the theme's page, quickly, with no secret.
#[tokio::test]
async fn hostile_templates_fail_safely_at_render() {
    let app = spawn_app().await;
    let spin = format!(
        "{{% set s = \"{}\" %}}{{% for a in s %}}{{% for b in s %}}{{% for c in s %}}{{% for d in s %}}\
         {{% endfor %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}",
        "a".repeat(1000)
    );
    let cases = [
        (
            "loop",
            "{% for a in range(end=1000) %}{% for b in range(end=1000) %}x{% endfor %}{% endfor %}",
        ),
        ("spin", spin.as_str()),
        (
            "bomb",
            "{% set_global s = \"aaaaaaaaaaaaaaaa\" %}{% for i in range(end=40) %}{% set_global s = s ~ s %}{% endfor %}{{ s | length }}",
        ),
        ("env", "{{ get_env(name=\"HOME\") }}"),
        ("file", "{% include \"/etc/passwd\" %}"),
    ];
    for (name, source) in cases {
        let tenant = tenant_on(&app, "default", "fr", "#1d4ed8").await;
        publish(&app, &tenant, "still here").await;
        upload(&app, &tenant, &[("templates/home.html", source)]).await;
        let started = Instant::now();
        let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
        assert_eq!(status, 200, "{name}: members must get a page");
        assert!(
            page.contains("still here"),
            "{name}: the theme's page is served instead"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: took {:?}",
            started.elapsed()
        );
        assert!(
            !page.contains("root:x:0:0") && !page.contains("/root"),
            "{name}: leaked"
        );
        let error = app.state.themes.last_error(tenant.id);
        assert!(
            error.is_some(),
            "{name}: the administrators must see the error"
        );
        eprintln!("{name}: {:?} in {:?}", error, started.elapsed());
    }
    // The server is still healthy.
    assert_eq!(app.get("admin.localhost", "/healthz").await.status(), 200);
}
