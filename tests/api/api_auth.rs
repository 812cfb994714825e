//! The accounts API over real HTTP: log-in, access and refresh tokens
//! (rotation, reuse, log-out), forged JWTs, cross-tenant refusals, API keys
//! and their scopes, the staff directory and role changes.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tessera::auth::{Keys, Role};

use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;

const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn login_gives_tokens_that_open_the_profile_then_refresh_and_logout() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("apilogin", "Api Login").await;
    let host = tenant.default_host.to_string();
    create_account(&app, &tenant, "ana@example.org", PASSWORD, Role::Member).await;
    let (access, refresh) = login(&app, &host, "ana@example.org", PASSWORD).await;

    let me = get(&app, &host, "/api/v1/auth/user", Some(&access)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json["email"], "ana@example.org");
    assert_eq!(me.json["role"], "member");
    let anonymous = get(&app, &host, "/api/v1/auth/user", None).await;
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.is_problem());

    let rotated = post(
        &app,
        &host,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": refresh }),
        None,
    )
    .await;
    assert_eq!(rotated.status, 200);
    let new_refresh = rotated.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let new_access = rotated.json["access_token"]
        .as_str()
        .expect("access")
        .to_owned();
    assert_ne!(new_refresh, refresh);
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&new_access))
            .await
            .status,
        200
    );

    let out = post(
        &app,
        &host,
        "/api/v1/auth/logout",
        &json!({ "refresh_token": new_refresh }),
        None,
    )
    .await;
    assert_eq!(out.status, 204);
    // The log-in is over: its access tokens and refresh token are dead.
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&new_access))
            .await
            .status,
        401
    );
    let again = post(
        &app,
        &host,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": new_refresh }),
        None,
    )
    .await;
    assert_eq!(again.status, 401);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("apireuse", "Api Reuse").await;
    let host = tenant.default_host.to_string();
    let id = create_account(&app, &tenant, "bo@example.org", PASSWORD, Role::Member).await;
    let (_, first) = login(&app, &host, "bo@example.org", PASSWORD).await;
    let second = post(
        &app,
        &host,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": first }),
        None,
    )
    .await;
    assert_eq!(second.status, 200);
    let newest = second.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let access = second.json["access_token"]
        .as_str()
        .expect("access")
        .to_owned();

    // A thief replays the first token: refused, and the family dies.
    let replay = post(
        &app,
        &host,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": first }),
        None,
    )
    .await;
    assert_eq!(replay.status, 401);
    assert!(replay.is_problem());
    let owner = post(
        &app,
        &host,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": newest }),
        None,
    )
    .await;
    assert_eq!(
        owner.status, 401,
        "the newest token of the family must die too"
    );
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&access))
            .await
            .status,
        401
    );

    let mut tx = app.tenant_tx(&tenant).await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'token.reused' AND subject_id = $1",
    )
    .bind(id)
    .fetch_one(tx.conn().await.expect("conn"))
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

fn claims(tenant: i64, sub: i64, role: &str, exp_in: i64, sid: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": sub.to_string(), "tenant": tenant, "role": role, "iat": now,
            "exp": now + exp_in, "jti": "x", "sid": sid })
}

fn sign(alg: Algorithm, key: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_secret(key).expect("key");
    jsonwebtoken::encode(&Header::new(alg), claims, &key).expect("token")
}

#[tokio::test]
async fn expired_forged_unsigned_other_alg_other_key_and_other_tenant_jwts_are_refused() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("jwta", "Jwt A").await;
    let (b, _) = app.create_tenant("jwtb", "Jwt B").await;
    let host = a.default_host.to_string();
    create_account(&app, &a, "cy@example.org", PASSWORD, Role::Member).await;
    let (access, _) = login(&app, &host, "cy@example.org", PASSWORD).await;
    let keys = Keys::load(app.pool()).await.expect("keys");
    let key_a = keys.derive("jwt", a.id);
    let parts: Vec<&str> = access.split('.').collect();
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    let sub: i64 = payload["sub"].as_str().expect("sub").parse().expect("id");
    let sid = payload["sid"].as_str().expect("sid");
    let tenant = a.id.get();

    // The genuine token and a faithful re-signature work: the refusals
    // below are about what was changed, nothing else.
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&access))
            .await
            .status,
        200
    );
    let genuine = sign(
        Algorithm::HS256,
        &key_a,
        &claims(tenant, sub, "member", 600, sid),
    );
    assert_eq!(
        get(&app, &host, "/api/v1/auth/user", Some(&genuine))
            .await
            .status,
        200
    );

    let mut tampered = payload.clone();
    tampered["role"] = json!("admin");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(tampered.to_string()),
        parts[2]
    );
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let refused = [
        (
            "expired",
            sign(
                Algorithm::HS256,
                &key_a,
                &claims(tenant, sub, "member", -3600, sid),
            ),
        ),
        ("tampered payload", forged),
        ("alg none", none),
        (
            "HS384",
            sign(
                Algorithm::HS384,
                &key_a,
                &claims(tenant, sub, "member", 600, sid),
            ),
        ),
        (
            "other key",
            sign(
                Algorithm::HS256,
                &[7u8; 32],
                &claims(tenant, sub, "member", 600, sid),
            ),
        ),
        (
            "other tenant's claim",
            sign(
                Algorithm::HS256,
                &key_a,
                &claims(b.id.get(), sub, "member", 600, sid),
            ),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, token) in refused {
        let reply = get(&app, &host, "/api/v1/auth/user", Some(&token)).await;
        assert_eq!(reply.status, 401, "{what} was accepted");
        assert!(reply.is_problem(), "{what}: {reply:?}");
    }
    // A's genuine token on B's host.
    let on_b = get(
        &app,
        &b.default_host.to_string(),
        "/api/v1/auth/user",
        Some(&access),
    )
    .await;
    assert_eq!(on_b.status, 401);
}

/// An admin of `tenant` with an access token.
async fn admin_token(
    app: &crate::helpers::TestApp,
    tenant: &std::sync::Arc<tessera::tenancy::Tenant>,
    email: &str,
) -> (i64, String) {
    let id = create_account(app, tenant, email, PASSWORD, Role::Admin).await;
    let (access, _) = login(app, &tenant.default_host.to_string(), email, PASSWORD).await;
    (id, access)
}

#[tokio::test]
async fn a_tenants_tokens_and_keys_are_refused_on_another_tenants_host() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("xa", "Cross A").await;
    let (b, _) = app.create_tenant("xb", "Cross B").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    let (_, admin_a) = admin_token(&app, &a, "same@example.org").await;
    // The same address on B is another account with another password.
    create_account(
        &app,
        &b,
        "same@example.org",
        "another password entirely",
        Role::Admin,
    )
    .await;
    let wrong = post(
        &app,
        &host_b,
        "/api/v1/auth/login",
        &json!({ "email": "same@example.org", "password": PASSWORD }),
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    let (_, refresh_a) = login(&app, &host_a, "same@example.org", PASSWORD).await;
    let key = post(
        &app,
        &host_a,
        "/api/v1/api-keys",
        &json!({ "name": "sync", "scopes": ["members:read"] }),
        Some(&admin_a),
    )
    .await;
    assert_eq!(key.status, 201, "{key:?}");
    let key = key.json["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with("tsk_"));
    assert_eq!(
        get(&app, &host_a, "/api/v1/users", Some(&key)).await.status,
        200
    );

    assert_eq!(
        get(&app, &host_b, "/api/v1/auth/user", Some(&admin_a))
            .await
            .status,
        401
    );
    assert_eq!(
        get(&app, &host_b, "/api/v1/users", Some(&key)).await.status,
        401
    );
    let refresh = post(
        &app,
        &host_b,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": refresh_a }),
        None,
    )
    .await;
    assert_eq!(refresh.status, 401);
    // …and still work at home.
    let home = post(
        &app,
        &host_a,
        "/api/v1/auth/refresh",
        &json!({ "refresh_token": refresh_a }),
        None,
    )
    .await;
    assert_eq!(home.status, 200);
}

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

#[tokio::test]
async fn two_factor_accounts_need_their_code() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("totp", "Totp").await;
    let host = tenant.default_host.to_string();
    let id = create_account(&app, &tenant, "tf@example.org", PASSWORD, Role::Member).await;
    let mut tx = app.tenant_tx(&tenant).await;
    let secret = tessera::accounts::two_factor::begin(&mut tx, id)
        .await
        .expect("begin");
    sqlx::query("UPDATE accounts SET totp_enabled_at = now() WHERE id = $1")
        .bind(id)
        .execute(tx.conn().await.expect("conn"))
        .await
        .expect("enable");
    tx.commit().await.expect("commit");

    let body = json!({ "email": "tf@example.org", "password": PASSWORD });
    let missing = post(&app, &host, "/api/v1/auth/login", &body, None).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.code(), "totp-required");
    let wrong = post(
        &app,
        &host,
        "/api/v1/auth/login",
        &json!({ "email": "tf@example.org", "password": PASSWORD, "totp": "000000" }),
        None,
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_ne!(wrong.code(), "totp-required");
    let bytes = totp_rs::Secret::Encoded(secret).to_bytes().expect("secret");
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, "x".into())
        .expect("totp");
    let code = totp.generate_current().expect("code");
    let good = post(
        &app,
        &host,
        "/api/v1/auth/login",
        &json!({ "email": "tf@example.org", "password": PASSWORD, "totp": code }),
        None,
    )
    .await;
    assert_eq!(good.status, 200, "{good:?}");
}
