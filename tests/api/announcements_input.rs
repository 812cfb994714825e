//! What editors type that must not pass: Markdown shown inert wherever it
//! appears, and forms or bodies that are refused without changing anything.

use serde_json::json;
use tessera::auth::Role;

use crate::announcements::{editor, id_of, member, write};
use crate::api_auth::PASSWORD;
use crate::contributions_desk::scalar;
use crate::helpers::api_client::{login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;

#[tokio::test]
async fn markdown_is_shown_inert() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-md", "Markdown").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let body = "Bonjour <script>alert('x')</script>\n\n\
                [clic](javascript:alert(1)) <a href=\"#\" onclick=\"steal()\">ici</a>\n\n\
                <img src=\"/logo.png\" onerror=\"steal()\" width=\"100000\" height=\"100000\">\n\n\
                ![pisteur](https://tracker.example/pixel.png)\n\n**gras**";
    let saved = write(
        &mut editor,
        "/staff/announcements/new",
        "Piégée",
        body,
        "public",
        "publish",
    )
    .await;
    let id = id_of(&saved);
    for path in [
        format!("/announcements/{id}"),
        "/announcements.atom".to_owned(),
    ] {
        let (status, page) = app.get_text(&host, &path).await;
        assert_eq!(status, 200);
        for bad in [
            "alert(",
            "javascript:",
            "onclick",
            "onerror",
            "steal()",
            "100000",
            "tracker.example",
        ] {
            assert!(!page.contains(bad), "{path} still holds {bad}");
        }
        // The feed carries the HTML escaped, as Atom's type="html" wants.
        assert!(
            page.contains("gras</strong>") || page.contains("gras&lt;/strong&gt;"),
            "{path}: {page}"
        );
    }
    // The preview shows the same cleaned text, and keeps nothing.
    let before = scalar(&app, &tenant, "SELECT count(*) FROM announcements").await;
    let preview = write(
        &mut editor,
        "/staff/announcements/new",
        "Aperçu",
        body,
        "public",
        "preview",
    )
    .await;
    assert_eq!(preview.status, 200);
    // The textarea gives the source back (escaped); the preview is cleaned.
    let shown = preview
        .body
        .split("class=\"panel preview\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        shown.contains("<strong>gras</strong>") && !shown.contains("steal()"),
        "{shown}"
    );
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM announcements").await,
        before
    );

    // Allowed by the tenant, images from other https sites show.
    let settings = editor
        .post(
            "/staff/announcements/settings",
            &[
                ("allow_external_images", "on"),
                ("time_zone", "Europe/Paris"),
            ],
        )
        .await;
    assert_eq!(settings.status, 303, "{}", settings.body);
    let (_, page) = app.get_text(&host, &format!("/announcements/{id}")).await;
    assert!(
        page.contains("src=\"https://tracker.example/pixel.png\""),
        "{page}"
    );
}

#[tokio::test]
async fn bad_forms_and_bodies_change_nothing() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-bad", "Refus").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let count = "SELECT count(*) FROM announcements";
    let empty = write(
        &mut editor,
        "/staff/announcements/new",
        "   ",
        "x",
        "public",
        "publish",
    )
    .await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Donnez un titre"), "{}", empty.body);
    let audience = write(
        &mut editor,
        "/staff/announcements/new",
        "T",
        "",
        "everyone",
        "save",
    )
    .await;
    assert_eq!(audience.status, 422);
    let past = editor
        .post(
            "/staff/announcements/new",
            &[
                ("title", "T"),
                ("body", ""),
                ("audience", "public"),
                ("publish_at", "2020-01-01T10:00"),
                ("action", "schedule"),
            ],
        )
        .await;
    assert_eq!(past.status, 422);
    assert!(past.body.contains("Ce moment est passé"), "{}", past.body);
    let long = "x".repeat(201);
    assert_eq!(
        write(
            &mut editor,
            "/staff/announcements/new",
            &long,
            "",
            "public",
            "save"
        )
        .await
        .status,
        422
    );
    let zone = editor
        .post(
            "/staff/announcements/settings",
            &[("time_zone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(zone.status, 422);
    assert_eq!(scalar(&app, &tenant, count).await, 0);
    assert_eq!(
        scalar(
            &app,
            &tenant,
            "SELECT count(*) FROM content_settings WHERE time_zone = 'Europe/Paris'"
        )
        .await,
        1
    );

    create_account(&app, &tenant, "ed2@example.org", PASSWORD, Role::Editor).await;
    let (token, _) = login(&app, &host, "ed2@example.org", PASSWORD).await;
    let bad = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "" }),
        Some(&token),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.is_problem());
    let unknown = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "T", "colour": "red" }),
        Some(&token),
    )
    .await;
    assert_eq!(unknown.status, 422, "{:?}", unknown.json);
    assert_eq!(scalar(&app, &tenant, count).await, 0);
    // Someone who is not staff is sent away.
    let mut member = member(&app, &tenant).await;
    let refused = write(
        &mut member,
        "/staff/announcements/new",
        "T",
        "",
        "public",
        "publish",
    )
    .await;
    assert_ne!(refused.status, 303);
    assert_eq!(scalar(&app, &tenant, count).await, 0);
}
