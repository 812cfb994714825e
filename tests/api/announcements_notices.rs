//! Members hear of an announcement once, when it becomes visible, through
//! the notifications module: staff-only ones reach only staff, a schedule
//! waits for its time, and publishing again tells nobody twice.

use std::time::Duration;

use serde_json::json;
use tessera::auth::Role;

use crate::api_auth::PASSWORD;
use crate::helpers::api_client::{login, post};
use crate::helpers::browser::create_account;
use crate::helpers::smtp::SmtpSink;
use crate::notifications_fixture::{app, drain};

#[tokio::test]
async fn members_are_told_of_an_announcement_once_when_it_shows() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("ann-notice", "Prévenus").await;
    let host = tenant.default_host.to_string();
    let member = create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    let editor = create_account(&app, &tenant, "e@example.org", PASSWORD, Role::Editor).await;
    let (token, _) = login(&app, &host, "e@example.org", PASSWORD).await;
    let told = |account: i64, title: &'static str| {
        let (app, tenant) = (&app, &tenant);
        async move {
            let mut tx = app.tenant_tx(tenant).await;
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM notifications n JOIN notices o ON o.id = n.notice_id
                 WHERE n.account_id = $1 AND o.title = $2 AND o.kind = 'announcements'",
            )
            .bind(account)
            .bind(title)
            .fetch_one(tx.conn().await.unwrap())
            .await
            .unwrap();
            n
        }
    };

    let now = chrono::Utc::now();
    let made = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Sortie dimanche", "published_at": now }),
        Some(&token),
    )
    .await;
    let id = made.json["id"].as_i64().expect("id");
    let staff = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Budget", "audience": "staff", "published_at": now }),
        Some(&token),
    )
    .await;
    assert_eq!(staff.status, 201);
    let later = now + chrono::Duration::milliseconds(1500);
    let draft = post(
        &app,
        &host,
        "/api/v1/announcements",
        &json!({ "title": "Plus tard" }),
        Some(&token),
    )
    .await;
    let later_id = draft.json["id"].as_i64().expect("id");
    post(
        &app,
        &host,
        &format!("/api/v1/announcements/{later_id}/publish"),
        &json!({ "at": later }),
        Some(&token),
    )
    .await;
    drain(&app).await;
    assert_eq!(told(member, "Sortie dimanche").await, 1);
    assert_eq!(told(editor, "Sortie dimanche").await, 1);
    assert_eq!(
        told(member, "Budget").await,
        0,
        "a staff-only announcement reached a member"
    );
    assert_eq!(told(editor, "Budget").await, 1);
    assert_eq!(told(member, "Plus tard").await, 0, "told before its time");

    tokio::time::sleep(Duration::from_millis(1600)).await;
    drain(&app).await;
    assert_eq!(told(member, "Plus tard").await, 1);

    // Taken back and published again: nobody is told twice.
    post(
        &app,
        &host,
        &format!("/api/v1/announcements/{id}/unpublish"),
        &json!(null),
        Some(&token),
    )
    .await;
    post(
        &app,
        &host,
        &format!("/api/v1/announcements/{id}/publish"),
        &json!(null),
        Some(&token),
    )
    .await;
    drain(&app).await;
    assert_eq!(told(member, "Sortie dimanche").await, 1);
}

#[tokio::test]
async fn an_update_of_an_open_project_reaches_members_and_a_drafts_does_not() {
    let sink = SmtpSink::start();
    let app = app(&sink).await;
    let (tenant, _) = app.create_tenant("proj-notice", "Projets Prévenus").await;
    let host = tenant.default_host.to_string();
    let member = create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    create_account(&app, &tenant, "e@example.org", PASSWORD, Role::Editor).await;
    let (token, _) = login(&app, &host, "e@example.org", PASSWORD).await;
    let made = post(
        &app,
        &host,
        "/api/v1/projects",
        &json!({ "title": "Nouveau local" }),
        Some(&token),
    )
    .await;
    assert_eq!(made.status, 201, "{:?}", made.json);
    let id = made.json["id"].as_i64().expect("id");
    let updates = format!("/api/v1/projects/{id}/updates");
    let draft = post(
        &app,
        &host,
        &updates,
        &json!({ "title": "Plans dessinés" }),
        Some(&token),
    )
    .await;
    assert_eq!(draft.status, 201, "{:?}", draft.json);
    post(
        &app,
        &host,
        &format!("/api/v1/projects/{id}/status"),
        &json!({ "status": "open" }),
        Some(&token),
    )
    .await;
    post(
        &app,
        &host,
        &updates,
        &json!({ "title": "Travaux lancés", "body": "Le **chantier** commence." }),
        Some(&token),
    )
    .await;
    drain(&app).await;
    let mut tx = app.tenant_tx(&tenant).await;
    let titles: Vec<String> = sqlx::query_scalar(
        "SELECT o.title FROM notifications n JOIN notices o ON o.id = n.notice_id
         WHERE n.account_id = $1 AND o.kind = 'projects' ORDER BY o.id",
    )
    .bind(member)
    .fetch_all(tx.conn().await.unwrap())
    .await
    .unwrap();
    assert_eq!(titles, ["Nouveau local — Travaux lancés"]);
}
