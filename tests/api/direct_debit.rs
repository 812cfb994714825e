//! SEPA direct debit, first part: the creditor settings (refused when an
//! ICS, IBAN, BIC or delay is wrong, nothing written), a member's mandate
//! signed with the code mailed to them (through the SMTP sink), wrong codes
//! counted even though each answer is an error, cancellation, expiry after
//! 36 months unused, and isolation: another tenant's ids, host,
//! cookie and token reach nothing.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::account_flow::mailing_config;
use crate::contributions_fixture::{PASSWORD, desk, get, person, scalar, send};
use crate::helpers::api_client::{self, Reply};
use crate::helpers::browser::Browser;
use crate::helpers::smtp::{ReadMail, SmtpSink};
use crate::helpers::{TestApp, migrated_database, spawn_app_with};

fn creditor() -> Value {
    json!({
        "creditor_id": "fr72 zzz 123456", "name": "Club Nautique de Sète",
        "street": "Quai de la Marine", "building": "3", "post_code": "34200", "town": "Sète",
        "country": "fr", "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "AGRIFRPP",
        "lead_days": 2, "notice_days": 10
    })
}

fn mandate() -> Value {
    json!({
        "kind": "recurrent", "debtor_name": "Zoé Lefèvre", "street": "Rue de l'Église",
        "building": "12", "post_code": "34000", "town": "Montpellier", "country": "FR",
        "iban": "DE89 3704 0044 0532 0130 00"
    })
}

async fn post(app: &TestApp, host: &str, path: &str, body: &Value, token: &str) -> Reply {
    send(app, "POST", host, path, body, token).await
}

/// The mail that carries `reference`, waited for (the code mails of one
/// test need not arrive in the order the mandates were started).
pub async fn mail_for(sink: &SmtpSink, reference: &str) -> ReadMail {
    let started = std::time::Instant::now();
    loop {
        if let Some(mail) = sink
            .mails()
            .into_iter()
            .find(|m| m.text.contains(reference))
        {
            return mail;
        }
        assert!(started.elapsed().as_secs() < 10, "no mail for {reference}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The six digits of a mail's text.
pub fn code_of(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_owned()
}

#[tokio::test]
async fn a_member_signs_with_the_mailed_code_and_wrong_codes_count() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let desk = desk(&app, "sdd-sign").await;
    let member_email = "zoe@sdd-sign.test";
    person(
        &app,
        &desk.tenant,
        member_email,
        "Zoé Lefèvre",
        Role::Member,
        true,
    )
    .await;
    let (member, _) = api_client::login(&app, &desk.host, member_email, PASSWORD).await;

    // Nothing to sign before the association is a creditor.
    let early = post(&app, &desk.host, "/api/v1/me/mandates", &mandate(), &member).await;
    assert_eq!(early.status, 409, "{:?}", early.json);

    // Settings: each wrong field refused, nothing written.
    for (field, value) in [
        ("creditor_id", json!("FR73ZZZ123456")),
        ("iban", json!("FR76 3000 6000 0112 3456 7890 188")),
        ("bic", json!("NOPE")),
        ("notice_days", json!(15)),
        ("country", json!("France")),
    ] {
        let mut bad = creditor();
        bad[field] = value;
        let put = send(
            &app,
            "PUT",
            &desk.host,
            "/api/v1/direct-debit/settings",
            &bad,
            &desk.token,
        )
        .await;
        assert_eq!(put.status, 422, "{field}: {:?}", put.json);
        assert!(
            put.json["detail"]
                .as_str()
                .unwrap_or_default()
                .starts_with(field),
            "{:?}",
            put.json
        );
    }
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM sdd_settings").await,
        0
    );
    let saved = send(
        &app,
        "PUT",
        &desk.host,
        "/api/v1/direct-debit/settings",
        &creditor(),
        &desk.token,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
    assert_eq!(saved.json["creditor_id"], "FR72ZZZ123456");
    assert_eq!(saved.json["country"], "FR");
    // Only treasurers.
    let peek = get(&app, &desk.host, "/api/v1/direct-debit/settings", &member).await;
    assert_eq!(peek.status, 403);

    // A bad IBAN is refused and mails nothing.
    let mut bad = mandate();
    bad["iban"] = json!("DE89 3704 0044 0532 0130 01");
    let refused = post(&app, &desk.host, "/api/v1/me/mandates", &bad, &member).await;
    assert_eq!(refused.status, 422, "{:?}", refused.json);

    // Start, then five wrong codes: the tries stand though each is a 422.
    let started = post(&app, &desk.host, "/api/v1/me/mandates", &mandate(), &member).await;
    assert_eq!(started.status, 201, "{:?}", started.json);
    assert_eq!(started.json["status"], "unsigned");
    let reference = started.json["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    let id = started.json["id"].as_i64().expect("id");
    let mail = mail_for(&sink, &reference).await;
    assert!(mail.to.contains(member_email), "{}", mail.to);
    assert!(mail.text.contains(&reference), "{}", mail.text);
    assert!(
        !mail.text.contains("DE89370400440532013000"),
        "the IBAN is masked"
    );
    let code = code_of(&mail.text);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let path = format!("/api/v1/me/mandates/{id}/confirm");
    for _ in 0..5 {
        let reply = post(&app, &desk.host, &path, &json!({ "code": wrong }), &member).await;
        assert_eq!(reply.status, 422, "{:?}", reply.json);
    }
    let sql = format!("SELECT code_attempts::bigint FROM sdd_mandates WHERE id = {id}");
    assert_eq!(scalar(&app, &desk.tenant, &sql).await, 5);
    let late = post(&app, &desk.host, &path, &json!({ "code": code }), &member).await;
    assert_eq!(late.status, 409, "spent: {:?}", late.json);

    // A second mandate signed with its code.
    let again = post(&app, &desk.host, "/api/v1/me/mandates", &mandate(), &member).await;
    let id = again.json["id"].as_i64().expect("id");
    let second = again.json["reference"].as_str().expect("reference");
    let code = code_of(&mail_for(&sink, second).await.text);
    let path = format!("/api/v1/me/mandates/{id}/confirm");
    let signed = post(&app, &desk.host, &path, &json!({ "code": code }), &member).await;
    assert_eq!(signed.status, 200, "{:?}", signed.json);
    assert_eq!(signed.json["status"], "active");
    assert_eq!(signed.json["signed_via"], "portal");
    assert_eq!(signed.json["debtor_name"], "Zoé Lefèvre");
    assert_eq!(signed.json["iban"], "DE89370400440532013000");
    let sql = format!("SELECT count(*) FROM sdd_mandates WHERE id = {id} AND code_hash IS NULL");
    assert_eq!(
        scalar(&app, &desk.tenant, &sql).await,
        1,
        "the code is forgotten once used"
    );

    // The treasurer sees it, amends it, cancels it; twice is a conflict.
    let listed = get(
        &app,
        &desk.host,
        "/api/v1/direct-debit/mandates?status=active",
        &desk.token,
    )
    .await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
    let amend = format!("/api/v1/direct-debit/mandates/{id}/amend");
    let body = json!({ "iban": "FR76 3000 6000 0112 3456 7890 189" });
    let amended = post(&app, &desk.host, &amend, &body, &desk.token).await;
    assert_eq!(amended.status, 200, "{:?}", amended.json);
    assert_eq!(amended.json["previous_iban"], "DE89370400440532013000");
    assert_eq!(amended.json["amendment_pending"], true);
    let cancel = format!("/api/v1/direct-debit/mandates/{id}/cancel");
    let once = post(
        &app,
        &desk.host,
        &cancel,
        &json!({ "reason": "letter" }),
        &desk.token,
    )
    .await;
    assert_eq!(once.json["status"], "cancelled");
    let twice = post(&app, &desk.host, &cancel, &json!({}), &desk.token).await;
    assert_eq!(twice.status, 409);

    // Two starts this hour already: one more, then no more codes are
    // mailed, even once that one is cancelled.
    let third = post(&app, &desk.host, "/api/v1/me/mandates", &mandate(), &member).await;
    assert_eq!(third.status, 201, "{:?}", third.json);
    let flood = post(&app, &desk.host, "/api/v1/me/mandates", &mandate(), &member).await;
    assert_eq!(flood.status, 409, "{:?}", flood.json);
    let unsigned = "SELECT count(*) FROM sdd_mandates WHERE status = 'unsigned'";
    assert_eq!(scalar(&app, &desk.tenant, unsigned).await, 2);
    // The member drops one they will not sign; that mails no new code.
    let drop = format!("/api/v1/me/mandates/{}/cancel", third.json["id"]);
    let dropped = post(&app, &desk.host, &drop, &json!({}), &member).await;
    assert_eq!(dropped.status, 200, "{:?}", dropped.json);
    assert_eq!(dropped.json["status"], "cancelled");
    let still = post(&app, &desk.host, "/api/v1/me/mandates", &mandate(), &member).await;
    assert_eq!(still.status, 409, "{:?}", still.json);
}

#[tokio::test]
async fn unused_mandates_expire_after_36_months() {
    let app = crate::contributions_fixture::app().await;
    let desk = desk(&app, "sdd-expire").await;
    let member = person(
        &app,
        &desk.tenant,
        "old@sdd-expire.test",
        "Old",
        Role::Member,
        false,
    )
    .await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    for (reference, signed, collected) in [
        ("OLD-1", "now() - interval '37 months'", "NULL"),
        (
            "OLD-2",
            "now() - interval '5 years'",
            "(now() - interval '35 months')::date",
        ),
        (
            "OLD-3",
            "now() - interval '5 years'",
            "(now() - interval '37 months')::date",
        ),
    ] {
        let sql = format!(
            "INSERT INTO sdd_mandates (account_id, reference, kind, status, debtor_name, town, country,
                 iban, locale, signed_on, signed_via, last_collected_on)
             VALUES ({member}, '{reference}', 'recurrent', 'active', 'Old', 'Sète', 'FR',
                 'FR7630006000011234567890189', 'fr', ({signed})::date, 'portal', {collected})"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(tx.conn().await.expect("conn"))
            .await
            .expect("insert");
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO sdd_mandates (account_id, reference, kind, status, debtor_name, town, country,
             iban, locale, created_at)
         VALUES ({member}, 'NEVER-SIGNED', 'recurrent', 'unsigned', 'Old', 'Sète', 'FR',
             'FR7630006000011234567890189', 'fr', now() - interval '2 days')"
    )))
    .execute(tx.conn().await.expect("conn"))
    .await
    .expect("insert");
    let today = chrono::Utc::now().date_naive();
    let expired = tessera::direct_debit::mandates::expire_unused(&mut tx, today)
        .await
        .expect("expire");
    assert_eq!(expired, 2);
    let left: Vec<String> =
        sqlx::query_scalar("SELECT reference FROM sdd_mandates WHERE status = 'active'")
            .fetch_all(tx.conn().await.expect("conn"))
            .await
            .expect("left");
    assert_eq!(left, ["OLD-2"]);
    let dropped: String =
        sqlx::query_scalar("SELECT status FROM sdd_mandates WHERE reference = 'NEVER-SIGNED'")
            .fetch_one(tx.conn().await.expect("conn"))
            .await
            .expect("status");
    assert_eq!(dropped, "cancelled", "started two days ago, never signed");
}

#[tokio::test]
async fn another_tenants_ids_host_cookie_and_token_reach_nothing() {
    let app = crate::contributions_fixture::app().await;
    let a = desk(&app, "sdd-iso-a").await;
    let b = desk(&app, "sdd-iso-b").await;
    for d in [&a, &b] {
        let put = send(
            &app,
            "PUT",
            &d.host,
            "/api/v1/direct-debit/settings",
            &creditor(),
            &d.token,
        )
        .await;
        assert_eq!(put.status, 200);
    }
    let email = "ana@sdd-iso-a.test";
    person(&app, &a.tenant, email, "Ana", Role::Member, true).await;
    let (member, _) = api_client::login(&app, &a.host, email, PASSWORD).await;
    let started = post(&app, &a.host, "/api/v1/me/mandates", &mandate(), &member).await;
    assert_eq!(started.status, 201, "{:?}", started.json);
    let id = started.json["id"].as_i64().expect("id");

    // B's treasurer, on B's host, with A's id: nothing.
    let path = format!("/api/v1/direct-debit/mandates/{id}");
    assert_eq!(get(&app, &b.host, &path, &b.token).await.status, 404);
    let listed = get(&app, &b.host, "/api/v1/direct-debit/mandates", &b.token).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(0));
    let cancel = format!("{path}/cancel");
    let reply = post(&app, &b.host, &cancel, &json!({}), &b.token).await;
    assert_eq!(reply.status, 404);
    // A's tokens on B's host: refused.
    assert_eq!(
        get(&app, &b.host, "/api/v1/direct-debit/mandates", &a.token)
            .await
            .status,
        401
    );
    let confirm = format!("/api/v1/me/mandates/{id}/confirm");
    let reply = post(
        &app,
        &b.host,
        &confirm,
        &json!({ "code": "123456" }),
        &member,
    )
    .await;
    assert_eq!(reply.status, 401);
    // A's session cookie on B's pages: not signed in there.
    let ana = scalar(
        &app,
        &a.tenant,
        "SELECT id FROM accounts WHERE email = 'ana@sdd-iso-a.test'",
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &a.tenant, ana, Role::Member).await;
    assert_eq!(browser.get("/membership/direct-debit").await.status, 200);
    browser.host = b.host.clone();
    let there = browser.get("/membership/direct-debit").await;
    assert_ne!(there.status, 200, "{}", there.body);
    assert!(!there.body.contains("RUM-"));
    let cancel = format!("/membership/direct-debit/{id}/cancel");
    assert_ne!(browser.post(&cancel, &[]).await.status, 303);
    // Still unsigned and untouched in A.
    let sql = format!("SELECT count(*) FROM sdd_mandates WHERE id = {id} AND status = 'unsigned'");
    assert_eq!(scalar(&app, &a.tenant, &sql).await, 1);
    assert_eq!(
        scalar(&app, &b.tenant, "SELECT count(*) FROM sdd_mandates").await,
        0
    );
}
