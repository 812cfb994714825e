//! Announcements through the API, from another tenant, and their
//! pictures: the same rules as the pages (see `announcements`).

use serde_json::json;
use tessera::auth::Role;

use crate::announcements::{editor, id_of, write};
use crate::api_auth::PASSWORD;
use crate::contributions_desk::scalar;
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_app;

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
