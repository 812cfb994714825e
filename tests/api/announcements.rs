//! Announcements over real HTTP: an editor's publication reaches another
//! instance's anonymous page within a second; members-only ones never reach
//! anonymous visitors, the page cache or the feed; scheduled ones appear at
//! their time; Markdown is shown inert; bad forms change nothing. Markdown and
//! refused input: `announcements_input`; the API, other tenants and
//! pictures: `announcements_api`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{get, login, post};
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

pub(crate) async fn member<'a>(app: &'a TestApp, tenant: &Arc<Tenant>) -> Browser<'a> {
    let id = person(app, tenant, "Marc Membre", "marc@example.org", Role::Member).await;
    Browser::signed_in_as(app, tenant, id, Role::Member).await
}

/// The editor's form with `action` pressed.
pub(crate) async fn write(
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
pub(crate) fn id_of(page: &crate::helpers::browser::Page) -> i64 {
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
async fn the_list_pages_ten_at_a_time() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("ann-pages", "Pages").await;
    let host = tenant.default_host.to_string();
    let mut tx = app.tenant_tx(&tenant).await;
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    for n in 1..=12 {
        let at = start + chrono::Duration::minutes(n);
        tessera::announcements::create(&mut tx, &format!("Nouvelle n° {n:02}"), "", Some(at))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let (_, first) = app.get_text(&host, "/announcements").await;
    assert_eq!(first.matches("class=\"card__title\"").count(), 10);
    assert!(first.contains("Nouvelle n° 12") && !first.contains("Nouvelle n° 02"));
    assert!(first.contains("rel=\"next\" href=\"?page=2\""), "{first}");
    let (_, second) = app.get_text(&host, "/announcements?page=2").await;
    assert_eq!(second.matches("class=\"card__title\"").count(), 2);
    assert!(second.contains("Nouvelle n° 01") && second.contains("rel=\"prev\""));
    let (status, past) = app.get_text(&host, "/announcements?page=99").await;
    assert_eq!(status, 200);
    assert!(
        past.contains("Nouvelle n° 01"),
        "a page past the end shows the last"
    );
}
