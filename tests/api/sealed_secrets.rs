//! Secrets sealed at rest under the configured keyring: a member's (and an
//! operator's) TOTP secret never reaches the database in clear, still opens
//! once another key is made active, and fails closed when its key leaves
//! the ring.

use secrecy::SecretString;
use tessera::auth::Role;
use tessera::config::Config;
use tessera::platform::operators::OperatorRole;

use crate::account_flow::code;
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::console::signed_in_operator;
use crate::helpers::{migrated_database, spawn_app_with, test_config};

const PASSWORD: &str = "un secret bien gardé";
const EMAIL: &str = "barreur@example.org";
pub const K1: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
pub const K2: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

pub fn keyed(keys: &[(&str, &str)], active: &str) -> Config {
    let mut config = test_config();
    config.crypto.keys.clear();
    for (id, key) in keys {
        config
            .crypto
            .keys
            .insert((*id).to_owned(), SecretString::from((*key).to_owned()));
    }
    config.crypto.active = Some(active.to_owned());
    config
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body.find(start).expect("start marker") + start.len();
    let rest = &body[from..];
    &rest[..rest.find(end).expect("end marker")]
}

/// Password, then `code` at the second step; the status of that step.
async fn second_step(browser: &mut Browser<'_>, code: &str) -> u16 {
    let page = browser
        .post(
            "/accounts/login/",
            &[
                ("email", EMAIL),
                ("password", PASSWORD),
                ("next", "/accounts/sessions/"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser
        .post(
            "/accounts/login/2fa/",
            &[("code", code), ("next", "/accounts/sessions/")],
        )
        .await;
    page.status
}

#[tokio::test]
async fn a_totp_secret_is_sealed_in_the_database_and_opens_after_a_key_rotation() {
    let database = migrated_database().await;
    let first = spawn_app_with(database.clone(), keyed(&[("k1", K1)], "k1")).await;
    let (tenant, provisioned) = first.create_tenant("seal", "Club de voile").await;
    let id = create_account(&first, &tenant, EMAIL, PASSWORD, Role::Member).await;
    let mut browser = Browser::signed_in_as(&first, &tenant, id, Role::Member).await;
    let page = browser.post("/accounts/2fa/setup", &[]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let secret = between(&page.body, "<code class=\"secret\">", "</code>").to_owned();
    let page = browser
        .post("/accounts/2fa/confirm", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(page.status, 200, "{}", page.body);

    // What the database holds: no clear secret, an envelope naming k1.
    let (clear, sealed): (Option<String>, Option<Vec<u8>>) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT totp_secret, totp_secret_sealed FROM {}.accounts WHERE id = $1",
            provisioned.schema
        )))
        .bind(id)
        .fetch_one(first.pool())
        .await
        .unwrap();
    assert_eq!(clear, None, "the secret is not kept in clear");
    let sealed = sealed.expect("a sealed secret");
    assert_eq!(&sealed[..4], b"\x01\x02k1", "the envelope names its key");
    assert!(
        !sealed.windows(8).any(|w| w == &secret.as_bytes()[..8]),
        "the envelope holds the secret's text"
    );
    assert_eq!(tessera::crypto::key_id(&sealed), Some("k1"));

    // k2 made active, k1 kept: the secret sealed under k1 still opens.
    let rotated = spawn_app_with(database.clone(), keyed(&[("k1", K1), ("k2", K2)], "k2")).await;
    let mut phone = Browser::new(&rotated, &tenant).await;
    assert_eq!(second_step(&mut phone, &code(&secret, 1)).await, 303);
    assert_eq!(phone.get("/accounts/profile/").await.status, 200);

    // k1 gone: the secret no longer opens, and the second step fails closed.
    let without_k1 = spawn_app_with(database, keyed(&[("k2", K2)], "k2")).await;
    let mut other = Browser::new(&without_k1, &tenant).await;
    assert_eq!(second_step(&mut other, &code(&secret, 2)).await, 401);
    assert_eq!(other.get("/accounts/profile/").await.status, 303);
}

#[tokio::test]
async fn an_operators_totp_secret_is_sealed_too() {
    let database = migrated_database().await;
    let app = spawn_app_with(database.clone(), keyed(&[("k1", K1)], "k1")).await;
    // Enrols the second factor through the console's pages.
    let (mut console, secret, email) = signed_in_operator(&app, OperatorRole::Operator).await;
    assert_eq!(
        console.get("/console").await.status,
        200,
        "signed in with a code"
    );
    let (clear, sealed): (Option<String>, Option<Vec<u8>>) = sqlx::query_as(
        "SELECT totp_secret, totp_secret_sealed FROM platform.operators WHERE email = $1",
    )
    .bind(&email)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(clear, None, "the secret is not kept in clear");
    let sealed = sealed.expect("a sealed secret");
    assert_eq!(tessera::crypto::key_id(&sealed), Some("k1"));
    assert!(!sealed.windows(8).any(|w| w == &secret.as_bytes()[..8]));

    // `tessera crypto reseal` with k2 active moves it under k2.
    let report = crate::sealed_columns::reseal(&database);
    assert!(report.contains("operators: re-sealed 1"), "{report}");
    let resealed: Vec<u8> =
        sqlx::query_scalar("SELECT totp_secret_sealed FROM platform.operators WHERE email = $1")
            .bind(&email)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(tessera::crypto::key_id(&resealed), Some("k2"));
}
