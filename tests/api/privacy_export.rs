//! « Download all my data »: the archive, built by the job queue and
//! mailed as a link, holds the member's rows from every module (profile
//! with the phone sealed in the database, consents, memberships, payments,
//! mandates with their IBAN, the activity log) and their receipts as PDFs,
//! and nothing of a second member with similar data; it opens for its
//! owner only, until it expires; one request a day.

use std::io::{Cursor, Read};

use serde_json::json;
use tessera::auth::Role;

use crate::account_flow::mailing_config;
use crate::contributions_fixture::{Desk, PASSWORD, desk, scalar, send};
use crate::contributions_receipts_fixture::receipt;
use crate::direct_debit_collections::member_with_mandate;
use crate::helpers::api_client::{self, call};
use crate::helpers::browser::Browser;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{TestApp, migrated_database, spawn_app_with};

const ANA_PHONE: &str = "+33 6 01 02 03 04";
const BEA_PHONE: &str = "+33 7 98 97 96 95";
const BEA_IBAN: &str = "DE89370400440532013000";

async fn drain(app: &TestApp) {
    let worker = tessera::app::job_worker(&app.state);
    while !worker.run_once().await.expect("jobs run").is_empty() {}
}

/// A member with a mandate, a phone, a consent and a paid, receipted
/// payment: (id, token).
async fn member(
    app: &TestApp,
    desk: &Desk,
    email: &str,
    phone: &str,
    number: i32,
) -> (i64, String) {
    let (id, _) = member_with_mandate(app, desk, email, 1).await;
    let (token, _) = api_client::login(app, &desk.host, email, PASSWORD).await;
    let patched = send(
        app,
        "PATCH",
        &desk.host,
        "/api/v1/auth/user",
        &json!({ "phone": phone }),
        &token,
    )
    .await;
    assert_eq!(patched.status, 200, "{:?}", patched.json);
    let given = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/me/consents/newsletter",
        &json!({}),
        &token,
    )
    .await;
    assert_eq!(given.status, 200);
    receipt(app, &desk.tenant, (id, id), 4500, number, false).await;
    (id, token)
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("entry");
            let mut data = Vec::new();
            file.read_to_end(&mut data).expect("read");
            (file.name().expect("a name").into_owned(), data)
        })
        .collect()
}

#[tokio::test]
async fn the_archive_holds_the_members_rows_and_nobody_elses_and_opens_for_them_only() {
    let sink = SmtpSink::start();
    let mut config = mailing_config(&sink);
    config.jobs.workers = 0;
    let app = spawn_app_with(migrated_database().await, config).await;
    let desk = desk(&app, "export").await;
    let (ana, ana_token) = member(&app, &desk, "ana@export.test", ANA_PHONE, 1).await;
    let (bea, bea_token) = member(&app, &desk, "bea@export.test", BEA_PHONE, 2).await;
    // Bea's data differs from Ana's in every field a leak would show.
    let renamed = send(
        &app,
        "PATCH",
        &desk.host,
        "/api/v1/auth/user",
        &json!({ "display_name": "Béatrice Martin" }),
        &bea_token,
    )
    .await;
    assert_eq!(renamed.status, 200);
    let sql = format!(
        "UPDATE {}.sdd_mandates SET debtor_name = 'Béatrice Martin', iban = '{BEA_IBAN}', iban_sealed = NULL WHERE account_id = {bea}",
        desk.tenant.schema()
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(app.pool())
        .await
        .expect("bea's mandate");

    let asked = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/me/export",
        &json!({}),
        &ana_token,
    )
    .await;
    assert_eq!(asked.status, 202, "{:?}", asked.json);
    let id = asked.json["id"].as_i64().expect("id");
    assert!(asked.json["download"].is_null());
    let again = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/me/export",
        &json!({}),
        &ana_token,
    )
    .await;
    assert_eq!(again.status, 409, "one a day: {:?}", again.json);
    drain(&app).await;

    // The mail brings the link to the owner.
    let mail = sink
        .mails()
        .into_iter()
        .find(|m| m.to.contains("ana@export.test"))
        .expect("the link is mailed");
    assert!(
        mail.text
            .contains(&format!("/accounts/privacy/exports/{id}")),
        "{}",
        mail.text
    );

    let path = format!("/api/v1/me/exports/{id}/archive");
    let reply = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header("host", &desk.host)
        .bearer_auth(&ana_token)
        .send()
        .await
        .expect("archive");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/zip");
    let files = unzip(&reply.bytes().await.expect("bytes"));
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "profile.json",
        "consents.json",
        "consents.csv",
        "memberships.json",
        "payments.json",
        "payments.csv",
        "sepa_mandates.json",
        "activity.json",
        "README.txt",
        "receipts/2026-000001.pdf",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let text = |name: &str| {
        let (_, bytes) = files.iter().find(|(n, _)| n == name).expect(name);
        String::from_utf8_lossy(bytes).into_owned()
    };
    assert!(
        text("profile.json").contains(ANA_PHONE),
        "the phone, opened"
    );
    assert!(!text("profile.json").contains("password"));
    assert!(text("sepa_mandates.json").contains("FR7630006000011234567890189"));
    assert!(text("consents.json").contains("newsletter"));
    let payments: serde_json::Value = serde_json::from_str(&text("payments.json")).expect("JSON");
    let paid = payments.as_array().expect("a list");
    assert!(
        !paid.is_empty() && paid.iter().all(|p| p["payer"] == "Zoé Lefèvre"),
        "{payments}"
    );
    assert!(text("receipts/2026-000001.pdf").starts_with("%PDF"));
    assert!(
        !names.contains(&"receipts/2026-000002.pdf"),
        "Bea's receipt"
    );
    for (name, bytes) in &files {
        let body = String::from_utf8_lossy(bytes);
        for theirs in ["bea@export.test", "Béatrice", BEA_PHONE, BEA_IBAN] {
            assert!(!body.contains(theirs), "{name} holds {theirs}");
        }
        assert!(
            !body.contains(&format!("\"account_id\": {bea}")),
            "{name} holds Bea's id"
        );
    }

    // Nobody else opens it: Bea, a visitor, another association's member.
    let theirs = call(&app, "GET", &desk.host, &path, &json!({}), Some(&bea_token)).await;
    assert_eq!(theirs.status, 404);
    let nobody = call(&app, "GET", &desk.host, &path, &json!({}), None).await;
    assert_eq!(nobody.status, 401);
    let other = desk_elsewhere(&app).await;
    let foreign = call(
        &app,
        "GET",
        &desk.host,
        &path,
        &json!({}),
        Some(&other.token),
    )
    .await;
    assert_eq!(foreign.status, 401);
    assert_eq!(
        scalar(&app, &other.tenant, "SELECT count(*) FROM privacy_exports").await,
        0
    );

    // The page: the owner downloads, Bea does not; once expired, nobody.
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, ana, Role::Member).await;
    let page = browser.get("/accounts/privacy/").await;
    assert!(
        page.body
            .contains(&format!("/accounts/privacy/exports/{id}"))
    );
    let download = browser
        .get(&format!("/accounts/privacy/exports/{id}"))
        .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.content_type, "application/zip");
    let mut bea_browser = Browser::signed_in_as(&app, &desk.tenant, bea, Role::Member).await;
    assert_eq!(
        bea_browser
            .get(&format!("/accounts/privacy/exports/{id}"))
            .await
            .status,
        404
    );
    let expire = "UPDATE privacy_exports SET expires_at = now() - interval '1 minute' RETURNING id";
    assert_eq!(scalar(&app, &desk.tenant, expire).await, id);
    assert_eq!(
        browser
            .get(&format!("/accounts/privacy/exports/{id}"))
            .await
            .status,
        404
    );
}

async fn desk_elsewhere(app: &TestApp) -> Desk {
    desk(app, "elsewhere").await
}
