//! Bad input to the affiliation API and forms: each is a 422 problem whose
//! detail names the field (a form: a 303 back with an error flash), and
//! nothing is written: rules paying a negative amount, more than the
//! payment, a share of a sign-up or for a scope outside the programme;
//! settings out of range or with a bad IBAN; link codes with spaces or
//! taken; a destination off the portal; an affiliate's bad IBAN.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::affiliation_fixture::{Club, affiliate, app, club, rule};
use crate::contributions_fixture::scalar;
use crate::helpers::TestApp;
use crate::helpers::api_client::{self, Reply};
use crate::helpers::browser::Browser;

async fn count(app: &TestApp, club: &Club, table: &str) -> i64 {
    scalar(app, club.tenant(), &format!("SELECT count(*) FROM {table}")).await
}

/// A 422 problem whose detail starts with `field`.
fn assert_refused(reply: &Reply, field: &str, case: &Value) {
    assert_eq!(reply.status, 422, "{case}: {:?}", reply.json);
    assert!(reply.is_problem(), "{case}");
    assert_eq!(reply.code(), "invalid-input", "{case}");
    let detail = reply.json["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with(&format!("{field}:")), "{case}: {detail}");
}

#[tokio::test]
async fn bad_rules_are_refused_naming_the_field_and_write_nothing() {
    let app = app().await;
    let club = club(&app, "aff-in-rules", json!({})).await;
    affiliate(&app, &club, "amb@aff-in-rules.test", "Alma Ambassador").await;
    let share = json!({ "stage": "sale", "reward": "percent", "basis_points": 8000 });
    rule(&app, &club, share).await;
    let path = format!("/api/v1/affiliation/programs/{}/rules", club.program);
    let cases = [
        (
            json!({ "stage": "sale", "reward": "flat", "amount_minor": -5 }),
            "amount_minor",
        ),
        (
            json!({ "stage": "sale", "reward": "percent", "basis_points": -1 }),
            "basis_points",
        ),
        (
            json!({ "stage": "sale", "reward": "percent", "basis_points": 10_001 }),
            "basis_points",
        ),
        (
            json!({ "stage": "sale", "reward": "percent", "basis_points": 1000, "intro_count": 2, "intro_basis_points": 12_000 }),
            "intro_basis_points",
        ),
        // The referred side's share beside the referrer's 80 %.
        (
            json!({ "stage": "sale", "side": "referred", "reward": "percent", "basis_points": 3000 }),
            "side",
        ),
        (
            json!({ "stage": "lead", "reward": "percent", "basis_points": 500 }),
            "reward",
        ),
        (
            json!({ "stage": "sale", "reward": "flat", "amount_minor": 100, "group_id": 987_654 }),
            "group_id",
        ),
        (
            json!({ "stage": "sale", "reward": "flat", "amount_minor": 100, "affiliate_id": 987_654 }),
            "affiliate_id",
        ),
        (
            json!({ "stage": "sale", "reward": "free_days", "days": 0 }),
            "days",
        ),
    ];
    for (body, field) in &cases {
        let reply = api_client::post(&app, club.host(), &path, body, Some(club.token())).await;
        assert_refused(&reply, field, body);
    }
    assert_eq!(count(&app, &club, "aff_rules").await, 1);
    // A credit for the person referred is no share: it stands beside 80 %.
    let credit =
        json!({ "stage": "sale", "side": "referred", "reward": "credit", "amount_minor": 500 });
    rule(&app, &club, credit).await;
    assert_eq!(count(&app, &club, "aff_rules").await, 2);
}

#[tokio::test]
async fn bad_settings_are_refused_naming_the_field_and_write_nothing() {
    let app = app().await;
    let club = club(&app, "aff-in-settings", json!({})).await;
    let create = "/api/v1/affiliation/programs";
    let cases = [
        (json!({ "name": "Zero", "cookie_days": 0 }), "cookie_days"),
        (json!({ "name": "Long", "cookie_days": 400 }), "cookie_days"),
        (
            json!({ "name": "Hold", "holding_days": -1 }),
            "holding_days",
        ),
        (
            json!({ "name": "Min", "min_payout_minor": -100 }),
            "min_payout_minor",
        ),
        (json!({ "name": "  " }), "name"),
        (
            json!({ "name": "Bank", "bank_iban": "FR76 3000 6000 0112 3456 7890 188" }),
            "bank_iban",
        ),
        (
            json!({ "name": "Gift", "donation_iban": "not an iban" }),
            "donation_iban",
        ),
        (json!({ "name": "Bic", "bank_bic": "AGRI" }), "bank_bic"),
    ];
    for (body, field) in &cases {
        let reply = api_client::post(&app, club.host(), create, body, Some(club.token())).await;
        assert_refused(&reply, field, body);
        let one = format!("{create}/{}", club.program);
        let patched =
            api_client::call(&app, "PATCH", club.host(), &one, body, Some(club.token())).await;
        assert_refused(&patched, field, body);
    }
    assert_eq!(count(&app, &club, "aff_programs").await, 1);
    let unchanged = "SELECT count(*) FROM aff_programs WHERE name = 'Friends bring friends'
                     AND cookie_days = 30 AND bank_iban IS NULL AND donation_iban IS NULL";
    assert_eq!(scalar(&app, club.tenant(), unchanged).await, 1);
}

#[tokio::test]
async fn bad_link_codes_and_destinations_are_refused_and_write_nothing() {
    let app = app().await;
    let club = club(&app, "aff-in-links", json!({})).await;
    let amb = affiliate(&app, &club, "amb@aff-in-links.test", "Alma Ambassador").await;
    let other = affiliate(&app, &club, "oz@aff-in-links.test", "Oz Other").await;
    let cases = [
        (json!({ "code": "my code" }), "code"),
        (json!({ "code": "ab" }), "code"),
        (json!({ "code": "-dash-first" }), "code"),
        (json!({ "code": amb.code.to_uppercase() }), "code"),
        (json!({ "code": other.code }), "code"),
        (
            json!({ "destination": "https://evil.example/" }),
            "destination",
        ),
        (json!({ "destination": "//evil.example/" }), "destination"),
        (json!({ "destination": "/\\evil.example" }), "destination"),
        (json!({ "campaign": "x".repeat(61) }), "campaign"),
    ];
    let links = count(&app, &club, "aff_links").await;
    for (body, field) in &cases {
        let reply = api_client::post(
            &app,
            club.host(),
            "/api/v1/affiliate/links",
            body,
            Some(&amb.token),
        )
        .await;
        assert_refused(&reply, field, body);
    }
    assert_eq!(count(&app, &club, "aff_links").await, links);
}

fn form(iban: &str) -> [(&str, &str); 3] {
    [
        ("payee_name", "Alma Ambassador"),
        ("iban", iban),
        ("bic", ""),
    ]
}

#[tokio::test]
async fn a_bad_iban_in_the_bank_form_comes_back_as_a_flash_and_changes_nothing() {
    let app = app().await;
    let club = club(&app, "aff-in-bank", json!({})).await;
    let amb = affiliate(&app, &club, "amb@aff-in-bank.test", "Alma Ambassador").await;
    let mut browser = Browser::signed_in_as(&app, club.tenant(), amb.id, Role::Member).await;
    let stored = format!(
        "SELECT count(*) FROM aff_affiliates WHERE id = {} AND iban IS NULL AND iban_sealed IS NOT NULL",
        amb.affiliate
    );
    let none = format!(
        "SELECT count(*) FROM aff_affiliates WHERE id = {} AND iban IS NULL AND iban_sealed IS NULL",
        amb.affiliate
    );

    let bad = browser
        .post(
            "/affiliate/payouts/bank",
            &form("FR76 3000 6000 0112 3456 7890 188"),
        )
        .await;
    assert_eq!(bad.status, 303);
    assert_eq!(bad.location.as_deref(), Some("/affiliate/payouts/"));
    let flash = bad
        .set_cookies
        .iter()
        .any(|c| c.contains("flash=error:affiliation-error-iban"));
    assert!(flash, "{:?}", bad.set_cookies);
    assert_eq!(scalar(&app, club.tenant(), &none).await, 1);
    // Without the form's token: refused, nothing written either.
    let forged = browser
        .post_raw(
            "/affiliate/payouts/bank",
            &form("FR76 3000 6000 0112 3456 7890 189"),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(scalar(&app, club.tenant(), &none).await, 1);

    let good = browser
        .post(
            "/affiliate/payouts/bank",
            &form("fr76 3000 6000 0112 3456 7890 189"),
        )
        .await;
    assert_eq!(good.status, 303);
    assert!(
        good.set_cookies
            .iter()
            .any(|c| c.contains("flash=success:"))
    );
    assert_eq!(scalar(&app, club.tenant(), &stored).await, 1);
    let bad_bic = [
        ("payee_name", "Alma"),
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("bic", "XX"),
    ];
    let again = browser.post("/affiliate/payouts/bank", &bad_bic).await;
    assert!(
        again
            .set_cookies
            .iter()
            .any(|c| c.contains("flash=error:affiliation-error-bic"))
    );
    assert_eq!(
        scalar(&app, club.tenant(), &stored).await,
        1,
        "the saved account stands"
    );
}
