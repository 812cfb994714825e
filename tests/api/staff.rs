//! The staff pages over real HTTP: who may see and change what, the
//! directory's search, filters and pages, role changes that end sessions,
//! and tenants that stay apart (invitations: `staff_invitations`).

use std::sync::Arc;

use reqwest::header::COOKIE;
use tessera::accounts::model::Status;
use tessera::accounts::store::{self, NewAccount};
use tessera::auth::csrf::CsrfToken;
use tessera::auth::{Keys, Role};
use tessera::model::Email;
use tessera::tenancy::Tenant;

use crate::helpers::browser::Browser;
use crate::helpers::{TestApp, spawn_app};

/// An account with a chosen name and status, straight into the database.
pub(crate) async fn person(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    name: &str,
    email: &str,
    role: Role,
) -> i64 {
    with_status(app, tenant, name, email, role, Status::Active).await
}

pub(crate) async fn with_status(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    name: &str,
    email: &str,
    role: Role,
    status: Status,
) -> i64 {
    let email = Email::parse(email).unwrap();
    let mut tx = app.tenant_tx(tenant).await;
    let id = store::create(
        &mut tx,
        NewAccount {
            email: &email,
            display_name: name,
            role,
            status,
            password_hash: None,
            locale: None,
            email_verified: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn count_accounts(app: &TestApp, tenant: &Arc<Tenant>) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_scalar("SELECT count(*) FROM accounts")
        .fetch_one(tx.conn().await.unwrap())
        .await
        .unwrap()
}

pub(crate) async fn role_of(app: &TestApp, tenant: &Arc<Tenant>, id: i64) -> Role {
    let mut tx = app.tenant_tx(tenant).await;
    store::find(&mut tx, id).await.unwrap().unwrap().role
}

/// `(action, actor, subject, detail)` of the tenant's audit log, oldest first.
pub(crate) async fn audit(
    app: &TestApp,
    tenant: &Arc<Tenant>,
) -> Vec<(String, Option<i64>, Option<i64>, serde_json::Value)> {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_as("SELECT action, actor_id, subject_id, detail FROM audit_log ORDER BY id")
        .fetch_all(tx.conn().await.unwrap())
        .await
        .unwrap()
}

/// A multipart upload of `csv` as the field `file`, with the CSRF token.
#[tokio::test]
async fn members_are_refused_and_editors_only_read() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-roles", "Staff Roles").await;
    let member = person(
        &app,
        &tenant,
        "Marie Membre",
        "marie@example.org",
        Role::Member,
    )
    .await;
    let editor = person(
        &app,
        &tenant,
        "Eddy Editor",
        "eddy@example.org",
        Role::Editor,
    )
    .await;

    let mut anonymous = Browser::new(&app, &tenant).await;
    let page = anonymous.get("/staff/members/").await;
    assert_eq!(page.status, 303, "anonymous visitors are sent to sign in");
    assert!(page.location.unwrap().starts_with("/accounts/login/"));

    let mut as_member = Browser::signed_in_as(&app, &tenant, member, Role::Member).await;
    for path in [
        "/staff/",
        "/staff/members/",
        &format!("/staff/members/{editor}"),
        "/staff/audit/",
    ] {
        assert_eq!(as_member.get(path).await.status, 403, "{path}");
    }

    let mut as_editor = Browser::signed_in_as(&app, &tenant, editor, Role::Editor).await;
    let page = as_editor.get("/staff/members/").await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    assert!(page.body.contains("Marie Membre") && page.body.contains("eddy@example.org"));
    let page = as_editor.get(&format!("/staff/members/{member}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/role\""), "no role form for editors");
    let refused = as_editor
        .post(
            &format!("/staff/members/{member}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(role_of(&app, &tenant, member).await, Role::Member);
    assert_eq!(
        as_editor.get("/staff/audit/").await.status,
        403,
        "admins only"
    );
    assert_eq!(as_editor.get("/staff/invite/").await.status, 403);
}

#[tokio::test]
async fn the_directory_searches_filters_and_pages() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-dir", "Staff Directory").await;
    let admin = person(
        &app,
        &tenant,
        "Alice Admin",
        "alice@example.org",
        Role::Admin,
    )
    .await;
    person(
        &app,
        &tenant,
        "Bruno 100% Vélo",
        "bruno@example.org",
        Role::Member,
    )
    .await;
    person(
        &app,
        &tenant,
        "Chloé Dupont",
        "chloe_d@example.org",
        Role::Treasurer,
    )
    .await;
    person(
        &app,
        &tenant,
        "Denis Martin",
        "denis@example.org",
        Role::Member,
    )
    .await;
    with_status(
        &app,
        &tenant,
        "Émile Invité",
        "emile@example.org",
        Role::Member,
        Status::Invited,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;

    // `%` and `_` are plain characters, not wildcards; case does not matter.
    let page = browser.get("/staff/members/?q=%25").await;
    assert!(page.body.contains("Bruno 100% Vélo"), "{}", page.body);
    assert!(!page.body.contains("Denis Martin"));
    let page = browser.get("/staff/members/?q=_d%40").await;
    assert!(page.body.contains("Chloé Dupont") && !page.body.contains("Bruno"));
    let page = browser.get("/staff/members/?q=DENIS").await;
    assert!(page.body.contains("Denis Martin") && !page.body.contains("Chloé"));

    let page = browser.get("/staff/members/?role=treasurer").await;
    assert!(page.body.contains("Chloé Dupont") && !page.body.contains("Denis Martin"));
    let page = browser.get("/staff/members/?status=invited").await;
    assert!(page.body.contains("Émile Invité") && !page.body.contains("Denis Martin"));

    // Sorted by name, two per page: Alice, Bruno | Chloé, Denis | Émile.
    let first = browser.get("/staff/members/?per=2").await;
    assert!(first.body.contains("Alice Admin") && first.body.contains("Bruno"));
    assert!(!first.body.contains("Chloé"));
    let second = browser.get("/staff/members/?per=2&page=2").await;
    assert!(second.body.contains("Chloé Dupont") && second.body.contains("Denis Martin"));
    assert!(!second.body.contains("Alice Admin"));
    let last = browser.get("/staff/members/?per=2&page=3").await;
    assert!(last.body.contains("Émile Invité") && !last.body.contains("Denis"));
    // Nonsense is ignored, never a 500.
    let odd = browser
        .get("/staff/members/?page=-4&per=999999&role=king&q=%27%3B--")
        .await;
    assert_eq!(odd.status, 200);
}

#[tokio::test]
async fn a_role_change_ends_the_persons_sessions_and_is_audited() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-chg", "Staff Change").await;
    let admin = person(
        &app,
        &tenant,
        "Alice Admin",
        "alice@example.org",
        Role::Admin,
    )
    .await;
    let member = person(
        &app,
        &tenant,
        "Marc Member",
        "marc@example.org",
        Role::Member,
    )
    .await;
    let mut theirs = Browser::signed_in_as(&app, &tenant, member, Role::Member).await;
    assert_eq!(
        theirs.get("/staff/").await.status,
        403,
        "signed in, not staff"
    );

    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    let page = browser
        .post(
            &format!("/staff/members/{member}/role"),
            &[("role", "editor")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert!(
        page.set_cookies
            .iter()
            .any(|c| c.contains("staff-flash-role-changed"))
    );
    assert_eq!(role_of(&app, &tenant, member).await, Role::Editor);
    // Their old cookie no longer signs them in (not even with the new role).
    let after = theirs.get("/staff/").await;
    assert_eq!(after.status, 303);
    assert!(after.location.unwrap().starts_with("/accounts/login/"));
    let log = audit(&app, &tenant).await;
    assert_eq!(log.len(), 1);
    let (action, actor, subject, detail) = &log[0];
    assert_eq!(
        (action.as_str(), *actor, *subject),
        ("role.changed", Some(admin), Some(member))
    );
    assert_eq!(
        (detail["old"].as_str(), detail["new"].as_str()),
        (Some("member"), Some("editor"))
    );

    // Deactivating ends sessions too; reactivating is audited.
    let mut again = Browser::signed_in_as(&app, &tenant, member, Role::Editor).await;
    assert_eq!(again.get("/staff/").await.status, 200);
    let page = browser
        .post(&format!("/staff/members/{member}/deactivate"), &[])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(again.get("/staff/").await.status, 303);
    browser
        .post(&format!("/staff/members/{member}/reactivate"), &[])
        .await;
    let actions: Vec<String> = audit(&app, &tenant)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        actions,
        ["role.changed", "account.deactivated", "account.reactivated"]
    );
}

#[tokio::test]
async fn the_last_admin_cannot_demote_or_deactivate_themselves() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-last", "Staff Last").await;
    let admin = person(
        &app,
        &tenant,
        "Alice Admin",
        "alice@example.org",
        Role::Admin,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    let page = browser
        .post(
            &format!("/staff/members/{admin}/role"),
            &[("role", "member")],
        )
        .await;
    assert_eq!(page.status, 403, "{}", page.body);
    let page = browser
        .post(&format!("/staff/members/{admin}/deactivate"), &[])
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(role_of(&app, &tenant, admin).await, Role::Admin);
    assert_eq!(browser.get("/staff/").await.status, 200, "still signed in");
    assert!(audit(&app, &tenant).await.is_empty());
}

#[tokio::test]
async fn tenants_stay_apart() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("staff-a", "Staff A").await;
    let (b, _) = app.create_tenant("staff-b", "Staff B").await;
    let admin_a = person(&app, &a, "Anna A", "anna@example.org", Role::Admin).await;
    let admin_b = person(&app, &b, "Boris B", "boris@example.org", Role::Admin).await;
    let member_b = person(&app, &b, "Berta B", "berta@example.org", Role::Member).await;
    // B's member's id names nobody in A (ids are per schema; A has only its admin).
    assert_ne!(member_b, admin_a);
    let mut browser_a = Browser::signed_in_as(&app, &a, admin_a, Role::Admin).await;
    assert_eq!(
        browser_a
            .get(&format!("/staff/members/{member_b}"))
            .await
            .status,
        404
    );
    let page = browser_a
        .post(
            &format!("/staff/members/{member_b}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(role_of(&app, &b, member_b).await, Role::Member);

    // A's session cookie on B's host signs nobody in.
    let cookie = browser_a.session().unwrap().clone();
    let response = app
        .http
        .get(format!("http://{}/staff/", app.addr))
        .header("host", b.default_host.as_str())
        .header(COOKIE, format!("__Host-session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);

    // A form made on A's pages (A's token) cannot post to B, even to a
    // browser signed in on B.
    let mut browser_b = Browser::signed_in_as(&app, &b, admin_b, Role::Admin).await;
    let keys = Keys::load(app.pool()).await.unwrap();
    let session_b = browser_b.session().unwrap().clone();
    let forged = CsrfToken::new(&keys, a.id, Some(session_b.clone()))
        .value()
        .to_owned();
    let page = browser_b
        .post_raw(
            &format!("/staff/members/{member_b}/role"),
            &[("csrf_token", &forged), ("role", "admin")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(role_of(&app, &b, member_b).await, Role::Member);
}
