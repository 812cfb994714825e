//! Announcements over real HTTP: an editor's publication reaches another
//! instance's anonymous page within a second; members-only ones never reach
//! anonymous visitors, the page cache or the feed; scheduled ones appear at
//! their time; Markdown is shown inert; bad forms change nothing.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::api_auth::PASSWORD;
use crate::contributions_desk::scalar;
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::{TestApp, shared_database, spawn_app, spawn_app_with, test_config};
use crate::staff::person;

pub(crate) async fn editor<'a>(app: &'a TestApp, tenant: &Arc<Tenant>) -> Browser<'a> {
    let id = person(
        app,
        tenant,
        "Élise Éditrice",
        "elise@example.org",
        Role::Editor,
    )
    .await;
    Browser::signed_in_as(app, tenant, id, Role::Editor).await
}

async fn member<'a>(app: &'a TestApp, tenant: &Arc<Tenant>) -> Browser<'a> {
    let id = person(app, tenant, "Marc Membre", "marc@example.org", Role::Member).await;
    Browser::signed_in_as(app, tenant, id, Role::Member).await
}

/// The editor's form with `action` pressed.
async fn write(
    browser: &mut Browser<'_>,
    path: &str,
    title: &str,
    body: &str,
    audience: &str,
    action: &str,
) -> crate::helpers::browser::Page {
    let fields = [
        ("title", title),
        ("body", body),
        ("audience", audience),
        ("image_alt", ""),
        ("publish_at", ""),
        ("action", action),
    ];
    browser.post(path, &fields).await
}

/// The id at the end of a redirect to `/staff/announcements/{id}`.
fn id_of(page: &crate::helpers::browser::Page) -> i64 {
    let location = page.location.as_deref().expect("a redirect");
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("an id")
}

#[tokio::test]
async fn an_editors_publication_reaches_the_other_instances_anonymous_page_within_a_second() {
    let options = shared_database().await;
    let one = spawn_app_with(options.clone(), test_config()).await;
    let two = spawn_app_with(options, test_config()).await;
    let (tenant, _) = one.create_tenant("ann-two", "Deux Instances").await;
    let host = tenant.default_host.to_string();
    // Instance two caches the page without it.
    assert!(
        two.wait_for_home(&host, Duration::from_secs(5), |s, _| s == 200)
            .await
    );
    let (_, before) = two.get_text(&host, "/").await;
    assert!(!before.contains("Fête du vélo"));

    let mut editor = editor(&one, &tenant).await;
    let saved = write(
        &mut editor,
        "/staff/announcements/new",
        "Fête du vélo",
        "Samedi **14 h**.",
        "public",
        "save",
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = id_of(&saved);
    let (_, draft_seen) = two.get_text(&host, "/").await;
    assert!(!draft_seen.contains("Fête du vélo"), "a draft was shown");

    let published = editor
        .post(&format!("/staff/announcements/{id}/publish"), &[])
        .await;
    assert_eq!(published.status, 303);
    assert!(
        two.wait_for_home(&host, Duration::from_secs(1), |_, page| page
            .contains("Fête du vélo"))
            .await,
        "the other instance still served the old page after a second"
    );
    let (status, shown) = two.get_text(&host, &format!("/announcements/{id}")).await;
    assert_eq!(status, 200);
    assert!(shown.contains("<strong>14 h</strong>"), "{shown}");
}

#[tokio::test]
async fn members_only_announcements_never_reach_anonymous_visitors_the_cache_or_the_feed() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-members", "Réservé").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    write(
        &mut editor,
        "/staff/announcements/new",
        "Ouvert à tous",
        "",
        "public",
        "publish",
    )
    .await;
    let secret = write(
        &mut editor,
        "/staff/announcements/new",
        "Code du local 4321",
        "",
        "members",
        "publish",
    )
    .await;
    let secret_id = id_of(&secret);
    let staff_only = write(
        &mut editor,
        "/staff/announcements/new",
        "Budget interne",
        "",
        "staff",
        "publish",
    )
    .await;
    let staff_id = id_of(&staff_only);

    // A member renders the home page first: what they see must not be
    // what the cache then gives to anonymous visitors.
    let mut member = member(&app, &tenant).await;
    let home = member.get("/").await;
    assert!(home.body.contains("Code du local 4321"), "{}", home.body);
    assert!(!home.body.contains("Budget interne"));
    assert_eq!(
        member
            .get(&format!("/announcements/{secret_id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        member
            .get(&format!("/announcements/{staff_id}"))
            .await
            .status,
        404
    );
    assert!(
        member
            .get("/announcements")
            .await
            .body
            .contains("Code du local 4321")
    );

    for _ in 0..2 {
        let (_, page) = app.get_text(&host, "/").await;
        assert!(page.contains("Ouvert à tous"), "{page}");
        assert!(
            !page.contains("Code du local"),
            "an anonymous home page showed it"
        );
    }
    let (_, list) = app.get_text(&host, "/announcements").await;
    assert!(list.contains("Ouvert à tous") && !list.contains("Code du local"));
    let (status, _) = app
        .get_text(&host, &format!("/announcements/{secret_id}"))
        .await;
    assert_eq!(status, 404);
    let (_, feed) = app.get_text(&host, "/announcements.atom").await;
    assert!(
        feed.contains("Ouvert à tous") && !feed.contains("Code du local"),
        "{feed}"
    );
    let api = get(&app, &host, "/api/v1/announcements", None).await;
    let titles: Vec<&str> = api.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert_eq!(titles, ["Ouvert à tous"]);
    assert_eq!(
        get(
            &app,
            &host,
            &format!("/api/v1/announcements/{secret_id}"),
            None
        )
        .await
        .status,
        404
    );
    // The editor sees all three.
    assert!(editor.get("/").await.body.contains("Budget interne"));
}

#[tokio::test]
async fn a_scheduled_announcement_appears_on_the_list_and_the_home_page_at_its_time() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-sched", "Programmée").await;
    let host = tenant.default_host.to_string();
    create_account(&app, &tenant, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token, _) = login(&app, &host, "ed@example.org", PASSWORD).await;
    let created = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Assemblée générale", "body": "Le 12 mars." }),
        Some(&token),
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.json);
    assert_eq!(created.json["state"], "draft");
    let id = created.json["id"].as_i64().expect("id");
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let scheduled = post(
        &app,
        &host,
        &format!("/api/v1/announcements/{id}/publish"),
        &json!({ "at": at }),
        Some(&token),
    )
    .await;
    assert_eq!(scheduled.status, 200, "{:?}", scheduled.json);
    assert_eq!(scheduled.json["state"], "scheduled");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, early) = app.get_text(&host, "/").await;
    assert!(!early.contains("Assemblée générale"));
    assert!(
        !app.get_text(&host, "/announcements")
            .await
            .1
            .contains("Assemblée générale")
    );
    assert!(
        app.wait_for_home(&host, Duration::from_secs(3), |_, page| page
            .contains("Assemblée générale"))
            .await,
        "the scheduled announcement did not appear"
    );
    assert!(
        app.get_text(&host, "/announcements")
            .await
            .1
            .contains("Assemblée générale")
    );
}

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

#[tokio::test]
async fn the_api_follows_the_pages_rules() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-api", "API").await;
    let host = tenant.default_host.to_string();
    create_account(&app, &tenant, "ed@example.org", PASSWORD, Role::Editor).await;
    create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    let (editor, _) = login(&app, &host, "ed@example.org", PASSWORD).await;
    let (member, _) = login(&app, &host, "m@example.org", PASSWORD).await;
    let denied = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Non" }),
        Some(&member),
    )
    .await;
    assert_eq!(denied.status, 403);
    let made = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Réunion", "body": "# Ordre du jour", "audience": "members", "published_at": chrono::Utc::now() }),
        Some(&editor),
    )
    .await;
    assert_eq!(made.status, 201, "{:?}", made.json);
    let id = made.json["id"].as_i64().expect("id");
    assert_eq!(made.json["html"], "<h2>Ordre du jour</h2>\n");
    assert_eq!(
        get(
            &app,
            &host,
            &format!("/api/v1/announcements/{id}"),
            Some(&member)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        get(&app, &host, &format!("/api/v1/announcements/{id}"), None)
            .await
            .status,
        404
    );
    let pinned = post(
        &app,
        &host,
        &format!("/api/v1/announcements/{id}/pin"),
        &json!(null),
        Some(&editor),
    )
    .await;
    assert_eq!(pinned.json["pinned"], true, "{:?}", pinned.json);
    let patched = call(
        &app,
        "PATCH",
        &host,
        &format!("/api/v1/announcements/{id}"),
        &json!({ "audience": "public" }),
        Some(&editor),
    )
    .await;
    assert_eq!(patched.json["audience"], "public");
    assert_eq!(
        get(&app, &host, &format!("/api/v1/announcements/{id}"), None)
            .await
            .status,
        200
    );
    let archived = post(
        &app,
        &host,
        &format!("/api/v1/announcements/{id}/archive"),
        &json!(null),
        Some(&editor),
    )
    .await;
    assert_eq!(archived.json["state"], "archived");
    let listed = get(&app, &host, "/api/v1/announcements", None).await;
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(0));
    let drafts = get(
        &app,
        &host,
        "/api/v1/announcements?state=archived",
        Some(&member),
    )
    .await;
    assert_eq!(drafts.status, 403);
    let staff = get(
        &app,
        &host,
        "/api/v1/announcements?state=archived",
        Some(&editor),
    )
    .await;
    assert_eq!(staff.json["items"][0]["id"], id);
    let gone = call(
        &app,
        "DELETE",
        &host,
        &format!("/api/v1/announcements/{id}"),
        &json!(null),
        Some(&editor),
    )
    .await;
    assert_eq!(gone.status, 204);
    assert_eq!(
        get(
            &app,
            &host,
            &format!("/api/v1/announcements/{id}"),
            Some(&editor)
        )
        .await
        .status,
        404
    );
    let audit = scalar(
        &app,
        &tenant,
        "SELECT count(*) FROM audit_log WHERE action LIKE 'announcement.%'",
    )
    .await;
    assert_eq!(audit, 5);
}

#[tokio::test]
async fn another_tenants_ids_host_cookie_and_token_reach_nothing() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("ann-iso-a", "Alpha").await;
    let (b, _) = app.create_tenant("ann-iso-b", "Bêta").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    let mut editor_a = editor(&app, &a).await;
    let made = write(
        &mut editor_a,
        "/staff/announcements/new",
        "Secret d’Alpha",
        "",
        "members",
        "publish",
    )
    .await;
    let id = id_of(&made);

    // B's editor, on B's host, names A's id: nothing there, nothing changed.
    let mut editor_b = editor(&app, &b).await;
    assert_eq!(
        editor_b
            .get(&format!("/staff/announcements/{id}"))
            .await
            .status,
        404
    );
    let deleted = editor_b
        .post(&format!("/staff/announcements/{id}/delete"), &[])
        .await;
    assert_eq!(deleted.status, 404);
    let edited = write(
        &mut editor_b,
        &format!("/staff/announcements/{id}"),
        "Volé",
        "",
        "public",
        "publish",
    )
    .await;
    assert_eq!(edited.status, 404);
    assert_eq!(
        scalar(
            &app,
            &a,
            "SELECT count(*) FROM announcements WHERE title = 'Secret d’Alpha'"
        )
        .await,
        1
    );

    // A's session cookie presented on B's host opens nothing there.
    editor_a.host = host_b.clone();
    let page = editor_a.get("/staff/announcements").await;
    assert_ne!(page.status, 200, "A's cookie opened B's editor");
    editor_a.host = host_a.clone();

    // A's token on B's API is refused; A's id on B's API is not found.
    create_account(&app, &a, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token_a, _) = login(&app, &host_a, "ed@example.org", PASSWORD).await;
    let foreign = post(
        &app,
        &host_b,
        "/api/v1/announcements",
        &json!({ "title": "Intrus" }),
        Some(&token_a),
    )
    .await;
    assert_eq!(foreign.status, 401);
    assert_eq!(
        get(
            &app,
            &host_b,
            &format!("/api/v1/announcements/{id}"),
            Some(&token_a)
        )
        .await
        .status,
        401
    );
    create_account(&app, &b, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token_b, _) = login(&app, &host_b, "ed@example.org", PASSWORD).await;
    assert_eq!(
        get(
            &app,
            &host_b,
            &format!("/api/v1/announcements/{id}"),
            Some(&token_b)
        )
        .await
        .status,
        404
    );
    let (_, home_b) = app.get_text(&host_b, "/").await;
    assert!(!home_b.contains("Secret d’Alpha"));
    assert_eq!(
        scalar(&app, &b, "SELECT count(*) FROM announcements").await,
        0
    );
}

/// A small PNG, as a phone would send one.
fn png(width: u32, height: u32) -> Vec<u8> {
    let pixels = image::RgbImage::from_pixel(width, height, image::Rgb([11, 110, 79]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    pixels
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("png");
    bytes.into_inner()
}

async fn send_image(
    browser: &mut Browser<'_>,
    id: i64,
    name: &str,
    kind: &str,
    bytes: &[u8],
) -> crate::helpers::browser::Page {
    use crate::documents_fixture::{field, file, multipart};
    let token = browser.csrf();
    let (content_type, body) = multipart(&[field("csrf_token", &token), file(name, kind, bytes)]);
    let request = browser
        .app
        .http
        .post(browser.url(&format!("/staff/announcements/{id}/image")))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body);
    browser.send(request).await
}

#[tokio::test]
async fn an_announcements_picture_is_checked_kept_and_shown_to_its_readers_only() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-img", "Images").await;
    let (other, _) = app.create_tenant("ann-img-b", "Autres").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let made = write(
        &mut editor,
        "/staff/announcements/new",
        "Sortie",
        "",
        "members",
        "publish",
    )
    .await;
    let id = id_of(&made);
    let image_key =
        format!("SELECT count(*) FROM announcements WHERE id = {id} AND image_key IS NOT NULL");

    let lying = send_image(
        &mut editor,
        id,
        "photo.png",
        "image/png",
        b"<script>alert(1)</script>",
    )
    .await;
    assert_eq!(lying.status, 303);
    assert!(
        lying.set_cookies.iter().any(|c| c.contains("flash=error")),
        "{:?}",
        lying.set_cookies
    );
    assert_eq!(scalar(&app, &tenant, &image_key).await, 0);

    let sent = send_image(&mut editor, id, "photo.png", "image/png", &png(40, 20)).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(scalar(&app, &tenant, &image_key).await, 1);
    let page = editor.get(&format!("/announcements/{id}")).await;
    let src = page
        .body
        .split("class=\"announcement__image\" src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page shows the picture")
        .replace("&amp;", "&");
    let shown = editor.get(&src).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.content_type, "image/png");
    // Members only: nothing for a visitor, nor for another tenant's host.
    assert_eq!(app.get(&host, &src).await.status(), 404);
    assert_eq!(
        app.get(other.default_host.as_str(), &src).await.status(),
        404
    );
    let mut editor_b = crate::announcements::editor(&app, &other).await;
    let foreign = send_image(&mut editor_b, id, "p.png", "image/png", &png(10, 10)).await;
    assert_eq!(foreign.status, 404);

    let removed = editor
        .post(&format!("/staff/announcements/{id}/image/remove"), &[])
        .await;
    assert_eq!(removed.status, 303);
    assert_eq!(scalar(&app, &tenant, &image_key).await, 0);
}
