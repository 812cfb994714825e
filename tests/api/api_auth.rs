//! The accounts API over real HTTP: log-in, access and refresh tokens
//! (rotation, reuse, log-out), forged JWTs, cross-tenant refusals, API keys
//! and 2FA at log-in (keys, the directory and roles: `api_staff`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tessera::auth::{Keys, Role};

use crate::helpers::api_client::{get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;

pub const PASSWORD: &str = "correct horse battery staple";

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
        b.default_host.as_ref(),
        "/api/v1/auth/user",
        Some(&access),
    )
    .await;
    assert_eq!(on_b.status, 401);
}

/// An admin of `tenant` with an access token.
pub async fn admin_token(
    app: &crate::helpers::TestApp,
    tenant: &std::sync::Arc<tessera::tenancy::Tenant>,
    email: &str,
) -> (i64, String) {
    let id = create_account(app, tenant, email, PASSWORD, Role::Admin).await;
    let (access, _) = login(app, tenant.default_host.as_ref(), email, PASSWORD).await;
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
