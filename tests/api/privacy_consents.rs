//! Consents, the member directory and the processing register: a consent
//! keeps its wording, language and dates, and a withdrawal takes effect at
//! once; the directory lists only the members who consented, with only the
//! fields each chose, to the association's members only; the register is
//! for administrators. Another association's token and host reach nothing.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::contributions_fixture::{Desk, PASSWORD, desk, person, scalar, send};
use crate::helpers::api_client::{self, call};
use crate::helpers::browser::Browser;
use crate::helpers::{TestApp, spawn_app};

async fn member(app: &TestApp, desk: &Desk, email: &str, name: &str) -> (i64, String) {
    let id = person(app, &desk.tenant, email, name, Role::Member, true).await;
    let (token, _) = api_client::login(app, &desk.host, email, PASSWORD).await;
    (id, token)
}

/// The directory as `token`'s holder sees it.
async fn directory(app: &TestApp, desk: &Desk, token: Option<&str>) -> api_client::Reply {
    call(
        app,
        "GET",
        &desk.host,
        "/api/v1/directory",
        &json!({}),
        token,
    )
    .await
}

/// `token`'s holder shows `fields` in the directory.
async fn show(app: &TestApp, desk: &Desk, token: &str, fields: Value) -> Value {
    put(
        app,
        desk,
        "/api/v1/me/directory",
        json!({ "fields": fields }),
        token,
    )
    .await
}

async fn put(app: &TestApp, desk: &Desk, path: &str, body: Value, token: &str) -> Value {
    let reply = send(app, "PUT", &desk.host, path, &body, token).await;
    assert_eq!(reply.status, 200, "{path}: {:?}", reply.json);
    reply.json
}

#[tokio::test]
async fn a_consent_keeps_its_wording_and_dates_and_is_withdrawn_at_once() {
    let app = spawn_app().await;
    let desk = desk(&app, "consent").await;
    let (ana, token) = member(&app, &desk, "ana@consent.test", "Ana Lopes").await;

    let given = put(
        &app,
        &desk,
        "/api/v1/me/consents/newsletter?locale=fr",
        json!({}),
        &token,
    )
    .await;
    assert_eq!(given["live"], json!(["newsletter"]));
    let first = &given["history"][0];
    assert!(
        first["wording"]
            .as_str()
            .unwrap()
            .contains("lettres d'information"),
        "{first}"
    );
    assert_eq!(first["locale"], "fr");
    assert_eq!(first["source"], "api");
    assert!(first["granted_at"].is_string() && first["withdrawn_at"].is_null());
    // Giving it again changes nothing.
    let again = put(
        &app,
        &desk,
        "/api/v1/me/consents/newsletter",
        json!({}),
        &token,
    )
    .await;
    assert_eq!(again["history"].as_array().unwrap().len(), 1);

    let withdrawn = send(
        &app,
        "DELETE",
        &desk.host,
        "/api/v1/me/consents/newsletter",
        &json!({}),
        &token,
    )
    .await;
    assert_eq!(withdrawn.status, 200);
    assert_eq!(withdrawn.json["live"], json!([]));
    assert!(withdrawn.json["history"][0]["withdrawn_at"].is_string());
    let live = "SELECT count(*) FROM consents WHERE withdrawn_at IS NULL";
    assert_eq!(scalar(&app, &desk.tenant, live).await, 0);

    // Consenting again, in English, is a new record; the old one stays.
    let renewed = put(
        &app,
        &desk,
        "/api/v1/me/consents/newsletter?locale=en",
        json!({}),
        &token,
    )
    .await;
    assert_eq!(renewed["history"].as_array().unwrap().len(), 2);
    assert!(
        renewed["history"][0]["wording"]
            .as_str()
            .unwrap()
            .starts_with("I agree")
    );
    let audited = "SELECT count(*) FROM audit_log WHERE action LIKE 'privacy.consent.%'";
    assert_eq!(scalar(&app, &desk.tenant, audited).await, 3);

    // Mistakes: a clear error, nothing written.
    let unknown = send(
        &app,
        "PUT",
        &desk.host,
        "/api/v1/me/consents/tracking",
        &json!({}),
        &token,
    )
    .await;
    assert_eq!(unknown.status, 404);
    let german = send(
        &app,
        "PUT",
        &desk.host,
        "/api/v1/me/consents/photo?locale=de",
        &json!({}),
        &token,
    )
    .await;
    assert_eq!(german.status, 422, "{:?}", german.json);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM consents").await,
        2
    );

    // The page: the wording, the history, and a button that withdraws.
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, ana, Role::Member).await;
    let page = browser.get("/accounts/privacy/").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"consent-history\"") && page.body.contains("I agree to receive")
    );
    let done = browser
        .post(
            "/accounts/privacy/consents",
            &[("purpose", "photo"), ("action", "give")],
        )
        .await;
    assert_eq!(done.status, 303);
    let photo = "SELECT count(*) FROM consents WHERE purpose = 'photo' AND source = 'portal'";
    assert_eq!(scalar(&app, &desk.tenant, photo).await, 1);

    // Another association's token means nothing here, and theirs holds none of it.
    let other = desk_elsewhere(&app).await;
    let foreign = call(
        &app,
        "GET",
        &desk.host,
        "/api/v1/me/consents",
        &json!({}),
        Some(&other.token),
    )
    .await;
    assert_eq!(foreign.status, 401);
    assert_eq!(
        scalar(&app, &other.tenant, "SELECT count(*) FROM consents").await,
        0
    );
}

async fn desk_elsewhere(app: &TestApp) -> Desk {
    desk(app, "elsewhere").await
}

#[tokio::test]
async fn the_directory_shows_opted_in_members_chosen_fields_to_members_only() {
    let app = spawn_app().await;
    let desk = desk(&app, "annuaire").await;
    let (_, ana) = member(&app, &desk, "ana@annuaire.test", "Ana Lopes").await;
    let (_, bob) = member(&app, &desk, "bob@annuaire.test", "Bob Martin").await;
    let (dan_id, dan) = member(&app, &desk, "dan@annuaire.test", "Dan Viewer").await;
    let profile = json!({ "phone": "+33 6 11 22 33 44", "address": { "town": "Sète" } });
    let patched = send(
        &app,
        "PATCH",
        &desk.host,
        "/api/v1/auth/user",
        &profile,
        &ana,
    )
    .await;
    assert_eq!(patched.status, 200, "{:?}", patched.json);
    put(
        &app,
        &desk,
        "/api/v1/me/consents/directory",
        json!({}),
        &ana,
    )
    .await;
    show(&app, &desk, &ana, json!(["display_name", "town"])).await;
    // Bob chose fields but never consented to be listed.
    show(&app, &desk, &bob, json!(["display_name", "email"])).await;

    let listed = directory(&app, &desk, Some(&dan)).await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed.json.as_array().unwrap().len(),
        1,
        "{:?}",
        listed.json
    );
    let entry = &listed.json[0];
    assert_eq!(entry["display_name"], "Ana Lopes");
    assert_eq!(entry["town"], "Sète");
    assert!(
        entry["email"].is_null() && entry["phone"].is_null(),
        "{entry}"
    );

    // Her phone once she chooses it (it is sealed in the database).
    show(&app, &desk, &ana, json!(["display_name", "phone"])).await;
    let listed = directory(&app, &desk, Some(&dan)).await;
    assert_eq!(listed.json[0]["phone"], "+33 6 11 22 33 44");
    assert!(listed.json[0]["town"].is_null());
    let bad = send(
        &app,
        "PUT",
        &desk.host,
        "/api/v1/me/directory",
        &json!({ "fields": ["iban"] }),
        &ana,
    )
    .await;
    assert_eq!(bad.status, 422, "{:?}", bad.json);

    // The page, as members see it.
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, dan_id, Role::Member).await;
    let page = browser.get("/directory").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Ana Lopes") && page.body.contains("+33 6 11 22 33 44"));
    assert!(!page.body.contains("Bob Martin") && !page.body.contains("ana@annuaire.test"));

    // Withdrawn: gone at once.
    let gone = send(
        &app,
        "DELETE",
        &desk.host,
        "/api/v1/me/consents/directory",
        &json!({}),
        &ana,
    )
    .await;
    assert_eq!(gone.status, 200);
    let listed = directory(&app, &desk, Some(&dan)).await;
    assert_eq!(listed.json, json!([]));

    // Nobody outside: no visitor, no other association's member.
    let anonymous = directory(&app, &desk, None).await;
    assert_eq!(anonymous.status, 401);
    assert_ne!(
        Browser::new(&app, &desk.tenant)
            .await
            .get("/directory")
            .await
            .status,
        200
    );
    let other = desk_elsewhere(&app).await;
    let foreign = directory(&app, &desk, Some(&other.token)).await;
    assert_eq!(foreign.status, 401);
}

#[tokio::test]
async fn the_processing_register_is_for_administrators() {
    let app = spawn_app().await;
    let desk = desk(&app, "registre").await;
    let admin = person(
        &app,
        &desk.tenant,
        "admin@registre.test",
        "Ada Admin",
        Role::Admin,
        true,
    )
    .await;
    let (token, _) = api_client::login(&app, &desk.host, "admin@registre.test", PASSWORD).await;
    let register = call(
        &app,
        "GET",
        &desk.host,
        "/api/v1/privacy/register",
        &json!({}),
        Some(&token),
    )
    .await;
    assert_eq!(register.status, 200);
    let ids: Vec<&str> = register
        .json
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    for id in [
        "members",
        "payments",
        "direct-debit",
        "tax-receipts",
        "consents",
        "security",
        "affiliation",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let (_, member_token) = member(&app, &desk, "m@registre.test", "Max Member").await;
    let refused = call(
        &app,
        "GET",
        &desk.host,
        "/api/v1/privacy/register",
        &json!({}),
        Some(&member_token),
    )
    .await;
    assert_eq!(refused.status, 403);

    let mut browser = Browser::signed_in_as(&app, &desk.tenant, admin, Role::Admin).await;
    let page = browser.get("/staff/privacy/register").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("id=\"processing-direct-debit\""),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("privacy-register-"),
        "a text is missing"
    );
    let treasurer =
        Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let mut treasurer = treasurer;
    assert_eq!(treasurer.get("/staff/privacy/register").await.status, 403);
}
