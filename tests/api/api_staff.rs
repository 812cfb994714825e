//! The staff side of the API over real HTTP: API keys and their scopes,
//! the member directory and its pages, role changes and the last admin.

use serde_json::json;
use tessera::auth::Role;

use crate::api_auth::{PASSWORD, admin_token};
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;

#[tokio::test]
async fn api_keys_are_scoped_revocable_and_record_their_last_use() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("keys", "Keys").await;
    let host = tenant.default_host.to_string();
    let (_, admin) = admin_token(&app, &tenant, "admin@example.org").await;
    let member = create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    let bad = post(
        &app,
        &host,
        "/api/v1/api-keys",
        &json!({ "name": "x", "scopes": ["root:all"] }),
        Some(&admin),
    )
    .await;
    assert_eq!(bad.status, 422);
    let created = post(
        &app,
        &host,
        "/api/v1/api-keys",
        &json!({ "name": "reader", "scopes": ["members:read"] }),
        Some(&admin),
    )
    .await;
    let (id, key) = (
        created.json["id"].as_i64().expect("id"),
        created.json["key"].as_str().expect("key").to_owned(),
    );

    let listed = get(&app, &host, "/api/v1/users", Some(&key)).await;
    assert_eq!(listed.status, 200);
    let one = get(&app, &host, &format!("/api/v1/users/{member}"), Some(&key)).await;
    assert_eq!(one.json["email"], "m@example.org");
    let write = call(
        &app,
        "PATCH",
        &host,
        &format!("/api/v1/users/{member}"),
        &json!({ "role": "editor" }),
        Some(&key),
    )
    .await;
    assert_eq!(write.status, 403, "a read key changed a role");
    assert!(write.is_problem());
    // Keys act on nobody's own account and cannot mint keys.
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&key))
            .await
            .status,
        403
    );
    let mint = post(
        &app,
        &host,
        "/api/v1/api-keys",
        &json!({ "name": "y", "scopes": ["*:write"] }),
        Some(&key),
    )
    .await;
    assert_eq!(mint.status, 403);

    let keys = get(&app, &host, "/api/v1/api-keys", Some(&admin)).await;
    let listed = keys
        .json
        .as_array()
        .expect("list")
        .iter()
        .find(|k| k["id"] == id)
        .cloned()
        .expect("key listed");
    assert!(
        listed["last_used_at"].is_string(),
        "last use not recorded: {listed}"
    );
    assert!(listed.get("key").is_none() && listed.to_string().find(&key[4..]).is_none());

    let revoked = call(
        &app,
        "DELETE",
        &host,
        &format!("/api/v1/api-keys/{id}"),
        &json!({}),
        Some(&admin),
    )
    .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(
        get(&app, &host, "/api/v1/users", Some(&key)).await.status,
        401
    );
    let mut tx = app.tenant_tx(&tenant).await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action IN ('apikey.created', 'apikey.revoked')",
    )
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("audit");
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn the_directory_is_for_staff_and_pages_with_a_cursor() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("dir", "Directory").await;
    let host = tenant.default_host.to_string();
    for n in 0..5 {
        create_account(
            &app,
            &tenant,
            &format!("p{n}@example.org"),
            PASSWORD,
            Role::Member,
        )
        .await;
    }
    create_account(&app, &tenant, "ed@example.org", PASSWORD, Role::Editor).await;
    let (member, _) = login(&app, &host, "p0@example.org", PASSWORD).await;
    let (editor, _) = login(&app, &host, "ed@example.org", PASSWORD).await;
    let refused = get(&app, &host, "/api/v1/users", Some(&member)).await;
    assert_eq!(refused.status, 403);
    assert!(refused.is_problem());

    let mut seen = Vec::new();
    let mut path = "/api/v1/users?role=member&limit=2".to_owned();
    loop {
        let page = get(&app, &host, &path, Some(&editor)).await;
        assert_eq!(page.status, 200, "{page:?}");
        let items = page.json["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|u| u["email"].as_str().expect("email").to_owned()),
        );
        match page.json["next_cursor"].as_i64() {
            Some(cursor) => path = format!("/api/v1/users?role=member&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    let found = get(&app, &host, "/api/v1/users?q=ED%40EXAMPLE", Some(&editor)).await;
    assert_eq!(found.json["items"].as_array().expect("items").len(), 1);
    let bad = get(&app, &host, "/api/v1/users?limit=many", Some(&editor)).await;
    assert_eq!(bad.status, 400);
    assert!(bad.is_problem());
}

#[tokio::test]
async fn a_role_change_ends_the_persons_tokens_and_the_last_admin_stays() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("roles", "Roles").await;
    let host = tenant.default_host.to_string();
    let (admin_id, admin) = admin_token(&app, &tenant, "boss@example.org").await;
    let member = create_account(&app, &tenant, "dee@example.org", PASSWORD, Role::Member).await;
    let (member_access, member_refresh) = login(&app, &host, "dee@example.org", PASSWORD).await;

    let promoted = call(
        &app,
        "PATCH",
        &host,
        &format!("/api/v1/users/{member}"),
        &json!({ "role": "editor" }),
        Some(&admin),
    )
    .await;
    assert_eq!(promoted.status, 200, "{promoted:?}");
    assert_eq!(promoted.json["role"], "editor");
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&member_access))
            .await
            .status,
        401
    );
    let refresh = post(
        &app,
        &host,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": member_refresh }),
        None,
    )
    .await;
    assert_eq!(refresh.status, 401);

    let demote_self = call(
        &app,
        "PATCH",
        &host,
        &format!("/api/v1/users/{admin_id}"),
        &json!({ "role": "member" }),
        Some(&admin),
    )
    .await;
    assert_eq!(demote_self.status, 409);
    let deactivate = call(
        &app,
        "PATCH",
        &host,
        &format!("/api/v1/users/{admin_id}"),
        &json!({ "status": "deactivated" }),
        Some(&admin),
    )
    .await;
    assert_eq!(deactivate.status, 409);
    let unknown = call(
        &app,
        "PATCH",
        &host,
        &format!("/api/v1/users/{member}"),
        &json!({ "role": "root" }),
        Some(&admin),
    )
    .await;
    assert_eq!(unknown.status, 422);

    let mut tx = app.tenant_tx(&tenant).await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'role.changed' AND subject_id = $1",
    )
    .bind(member)
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}
