//! OAuth2 authorization code with PKCE over real HTTP: an admin registers a
//! client on its staff page, a signed-in member consents (CSRF-protected
//! form), the client exchanges the code with its verifier; and everything
//! that must be refused is.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::CONTENT_TYPE;
use sha2::{Digest, Sha256};
use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::helpers::TestApp;
use crate::helpers::api_client::{Reply, get, send};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_app;

const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "https://app.example.net/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-more-entropy";

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Registers a client through the admin page; returns its client_id.
async fn register_client(app: &TestApp, tenant: &Arc<Tenant>) -> String {
    let admin = create_account(app, tenant, "admin@example.org", PASSWORD, Role::Admin).await;
    let mut browser = Browser::signed_in_as(app, tenant, admin, Role::Admin).await;
    let page = browser
        .post(
            "/staff/oauth-clients/",
            &[("name", "Mobile App"), ("redirect_uris", REDIRECT)],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let start = page
        .body
        .find("<code class=\"client-id\">")
        .expect("client id shown")
        + 24;
    let end = start + page.body[start..].find('<').expect("end");
    page.body[start..end].to_owned()
}

fn authorize_path(client_id: &str, redirect: &str, state: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect)
        .append_pair("code_challenge", &challenge(VERIFIER))
        .append_pair("code_challenge_method", "S256")
        .append_pair("state", state)
        .finish();
    format!("/oauth/authorize?{query}")
}

/// The consent form's answer.
fn consent(client_id: &str, decision: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", client_id.into()),
        ("redirect_uri", REDIRECT.into()),
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".into()),
        ("state", "xyz".into()),
        ("decision", decision.into()),
    ]
}

async fn post_form(
    browser: &mut Browser<'_>,
    path: &str,
    fields: &[(&'static str, String)],
) -> crate::helpers::browser::Page {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post(path, &fields).await
}

/// Exchanges at the token endpoint (form-encoded, as RFC 6749 says).
async fn token(app: &TestApp, host: &str, fields: &[(&str, &str)]) -> Reply {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let request = app
        .http
        .post(format!("http://{}/api/v1/oauth/token", app.addr))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body);
    send(app, request, host, None).await
}

fn code_of(location: &str) -> String {
    let url = url::Url::parse(location).expect("redirect URL");
    assert!(location.starts_with(REDIRECT), "{location}");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("state".into(), "xyz".into())),
        "{location}"
    );
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .expect("code")
}

#[tokio::test]
async fn a_signed_in_member_authorizes_a_client_which_gets_tokens_with_its_verifier() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("oauth", "OAuth").await;
    let (other, _) = app.create_tenant("oauthb", "OAuth B").await;
    let host = tenant.default_host.to_string();
    let client_id = register_client(&app, &tenant).await;
    let member = create_account(&app, &tenant, "mia@example.org", PASSWORD, Role::Member).await;

    // Not signed in: sent to sign in, and back to the whole request after.
    let mut visitor = Browser::new(&app, &tenant).await;
    let path = authorize_path(&client_id, REDIRECT, "xyz");
    let away = visitor.get(&path).await;
    assert_eq!(away.status, 303);
    let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    assert_eq!(
        away.location.as_deref(),
        Some(format!("/accounts/login/?next={next}").as_str())
    );

    let mut browser = Browser::signed_in_as(&app, &tenant, member, Role::Member).await;
    let page = browser.get(&path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Mobile App"));
    assert!(page.body.contains("name=\"csrf_token\""));
    // Without its CSRF token the consent form is refused.
    let fields: Vec<(&str, String)> = consent(&client_id, "allow");
    let raw: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(browser.post_raw("/oauth/authorize", &raw).await.status, 403);

    let allowed = post_form(
        &mut browser,
        "/oauth/authorize",
        &consent(&client_id, "allow"),
    )
    .await;
    assert_eq!(allowed.status, 303, "{}", allowed.body);
    let code = code_of(allowed.location.as_deref().expect("location"));

    // Another tenant's host does not know the client, nor the code.
    let foreign = token(
        &app,
        other.default_host.as_ref(),
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &client_id),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(foreign.status, 401, "{foreign:?}");
    assert_eq!(foreign.json["error"], "invalid_client");

    let exchange = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id.as_str()),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    let tokens = token(&app, &host, &exchange).await;
    assert_eq!(tokens.status, 200, "{tokens:?}");
    let access = tokens.json["access_token"].as_str().expect("access");
    let me = get(&app, &host, "/api/v1/auth/user", Some(access)).await;
    assert_eq!(me.json["email"], "mia@example.org");

    // The refresh grant rotates, for this client.
    let refresh = tokens.json["refresh_token"].as_str().expect("refresh");
    let renew = |token_value: String| {
        [
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", client_id.clone()),
            ("refresh_token", token_value),
        ]
    };
    let renewed = token_owned(&app, &host, &renew(refresh.to_owned())).await;
    assert_eq!(renewed.status, 200, "{renewed:?}");
    let newest = renewed.json["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let newest_access = renewed.json["access_token"]
        .as_str()
        .expect("access")
        .to_owned();

    // A code works once; presenting it again revokes what it gave
    // (RFC 6749 §4.1.2): someone else may hold it.
    let reused = token(&app, &host, &exchange).await;
    assert_eq!(reused.status, 400);
    assert_eq!(reused.json["error"], "invalid_grant");
    let after = token_owned(&app, &host, &renew(newest)).await;
    assert_eq!(
        after.json["error"], "invalid_grant",
        "the family is revoked"
    );
    let me = get(&app, &host, "/api/v1/auth/user", Some(&newest_access)).await;
    assert_eq!(me.status, 401, "and its access tokens die with it");
}

async fn token_owned(
    app: &crate::helpers::TestApp,
    host: &str,
    form: &[(&str, String)],
) -> crate::helpers::api_client::Reply {
    let fields: Vec<(&str, &str)> = form
        .iter()
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    token(app, host, &fields).await
}

#[tokio::test]
async fn wrong_verifiers_other_redirects_unknown_uris_and_denials_are_refused() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("oauthx", "OAuth X").await;
    let host = tenant.default_host.to_string();
    let client_id = register_client(&app, &tenant).await;
    let member = create_account(&app, &tenant, "max@example.org", PASSWORD, Role::Member).await;
    let mut browser = Browser::signed_in_as(&app, &tenant, member, Role::Member).await;

    // An unregistered redirect URI gets an error page, never a redirect.
    let evil = browser
        .get(&authorize_path(
            &client_id,
            "https://evil.example.com/cb",
            "s",
        ))
        .await;
    assert_eq!(evil.status, 400);
    assert!(evil.location.is_none());
    let unknown = browser
        .get(&authorize_path("no-such-client-id-at-all", REDIRECT, "s"))
        .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.location.is_none());

    let denied = post_form(
        &mut browser,
        "/oauth/authorize",
        &consent(&client_id, "deny"),
    )
    .await;
    let location = denied.location.expect("redirect");
    assert!(
        location.starts_with(REDIRECT) && location.contains("error=access_denied"),
        "{location}"
    );

    for (what, redirect, verifier) in [
        (
            "wrong verifier",
            REDIRECT,
            "another-verifier-of-enough-length-0123456789abc",
        ),
        (
            "other redirect_uri",
            "https://app.example.net/other",
            VERIFIER,
        ),
    ] {
        let allowed = post_form(
            &mut browser,
            "/oauth/authorize",
            &consent(&client_id, "allow"),
        )
        .await;
        let code = code_of(allowed.location.as_deref().expect("location"));
        let fields = [
            ("grant_type", "authorization_code"),
            ("client_id", client_id.as_str()),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("code_verifier", verifier),
        ];
        let refused = token(&app, &host, &fields).await;
        assert_eq!(refused.status, 400, "{what}: {refused:?}");
        assert_eq!(
            refused.json["error"], "invalid_grant",
            "{what}: {refused:?}"
        );
        // The code is spent by the failed attempt.
        let mut fixed = fields;
        fixed[3] = ("redirect_uri", REDIRECT);
        fixed[4] = ("code_verifier", VERIFIER);
        assert_eq!(
            token(&app, &host, &fixed).await.status,
            400,
            "{what}: code reusable"
        );
    }
}

#[tokio::test]
async fn the_api_keys_page_shows_a_new_key_once_and_revokes_it() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("keypage", "Key Page").await;
    let host = tenant.default_host.to_string();
    let admin = create_account(&app, &tenant, "root@example.org", PASSWORD, Role::Admin).await;
    let member = create_account(&app, &tenant, "mo@example.org", PASSWORD, Role::Member).await;
    let mut visitor = Browser::signed_in_as(&app, &tenant, member, Role::Member).await;
    assert_eq!(visitor.get("/staff/api-keys/").await.status, 403);

    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    let created = browser
        .post(
            "/staff/api-keys/",
            &[
                ("name", "Sync"),
                ("scope", "members:read"),
                ("scope", "announcements:read"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let start = created
        .body
        .find("<code class=\"secret\">")
        .expect("key shown")
        + 21;
    let end = start + created.body[start..].find('<').expect("end");
    let key = created.body[start..end].to_owned();
    assert!(key.starts_with("tsk_"));
    assert_eq!(
        get(&app, &host, "/api/v1/users", Some(&key)).await.status,
        200
    );
    let listed = browser.get("/staff/api-keys/").await;
    assert!(
        listed.body.contains("Sync") && !listed.body.contains(&key),
        "the key is shown again"
    );
    let end = listed.body.find("/revoke\"").expect("revoke form");
    let id = &listed.body[listed.body[..end].rfind('/').expect("slash") + 1..end];
    let revoked = browser
        .post(&format!("/staff/api-keys/{id}/revoke"), &[])
        .await;
    assert_eq!(revoked.status, 303);
    assert_eq!(
        get(&app, &host, "/api/v1/users", Some(&key)).await.status,
        401
    );
}
