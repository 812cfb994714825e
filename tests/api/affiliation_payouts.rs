//! Payouts and rewards in kind: a request needs bank details and the
//! programme's threshold (else a 409 and nothing written); requests are
//! batched into a SEPA credit transfer file that passes the ISO schema and
//! a CSV, then marked paid. Free days lengthen the referrer's membership
//! once due, a newcomer's credit is on their account at sign-up, and
//! donations leave as one transfer to the programme's payee.

use std::process::Command;

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::affiliation_fixture::{
    Club, affiliate, app, bank, club, later, lines, mark_paid, pay, prepare_batch, referred,
    request_payout, rule, sign_up, sweep,
};
use crate::contributions_fixture::scalar;
use crate::helpers::TestApp;
use crate::helpers::api_client;
use crate::helpers::browser::Browser;

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sepa/pain.001.001.09.xsd"
);
const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";

/// The programme's own account, which transfers leave from.
fn with_bank(extra: Value) -> Value {
    let mut settings = json!({
        "bank_name": "Les Amis du Quartier", "bank_iban": "DE89 3704 0044 0532 0130 00", "bank_bic": "AGRIFRPP",
    });
    if let (Some(s), Some(extra)) = (settings.as_object_mut(), extra.as_object()) {
        s.extend(extra.clone());
    }
    settings
}

fn assert_schema_valid(xml: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("batch.xml");
    std::fs::write(&path, xml).expect("write");
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&path)
        .output()
        .expect("xmllint runs (apt-get install libxml2-utils)");
    let errors = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "not pain.001.001.09:\n{errors}\n{xml}"
    );
}

/// The batch's SEPA file, through the staff API.
async fn transfer_file(app: &TestApp, club: &Club, batch: i64) -> String {
    let path = format!(
        "/api/v1/affiliation/programs/{}/batches/{batch}/transfers.xml",
        club.program
    );
    let response = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header("host", club.host())
        .bearer_auth(club.token())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    response.text().await.expect("body")
}

async fn count(app: &TestApp, club: &Club, sql: &str) -> i64 {
    scalar(app, club.tenant(), sql).await
}

/// A programme paying 10 %, an affiliate, a newcomer who paid `minor`.
async fn earning(
    app: &TestApp,
    prefix: &str,
    settings: Value,
    minor: i64,
) -> (Club, crate::affiliation_fixture::Member, i64) {
    let club = club(app, prefix, settings).await;
    let terms = json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 });
    rule(app, &club, terms).await;
    let amb = affiliate(app, &club, &format!("amb@{prefix}.test"), "Alma Ambassador").await;
    let newcomer = referred(app, &club, &amb.code, &format!("nina@{prefix}.test")).await;
    pay(app, &club, newcomer, minor).await;
    (club, amb, newcomer)
}

#[tokio::test]
async fn a_request_without_bank_details_or_below_the_threshold_writes_nothing() {
    let app = app().await;
    let settings = json!({ "min_payout_minor": 1000 });
    let (club, amb, newcomer) = earning(&app, "aff-po-min", settings, 4000).await;
    sweep(&app, &club, later(31)).await;

    let no_bank = request_payout(&app, &club, &amb).await;
    assert_eq!(no_bank.status, 409, "{:?}", no_bank.json);
    assert!(no_bank.is_problem());
    assert!(
        no_bank.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("account")
    );

    bank(&app, &club, amb.affiliate, "Alma Ambassador", IBAN).await;
    let below = request_payout(&app, &club, &amb).await;
    assert_eq!(below.status, 409, "{:?}", below.json);
    assert!(below.is_problem());
    assert!(
        below.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("minimum")
    );
    assert_eq!(
        count(&app, &club, "SELECT count(*) FROM aff_payouts").await,
        0
    );
    let taken = "SELECT count(*) FROM aff_lines WHERE payout_id IS NOT NULL";
    assert_eq!(count(&app, &club, taken).await, 0);

    pay(&app, &club, newcomer, 8000).await;
    sweep(&app, &club, later(31)).await;
    let enough = request_payout(&app, &club, &amb).await;
    assert_eq!(enough.status, 201, "{:?}", enough.json);
    assert_eq!(enough.json["amount_minor"], 1200);
}

#[tokio::test]
async fn a_batch_gives_a_schema_valid_sepa_file_and_a_csv_and_is_marked_paid() {
    let app = app().await;
    let (club, amb, _) = earning(&app, "aff-po-sepa", with_bank(json!({})), 4000).await;
    sweep(&app, &club, later(31)).await;
    bank(&app, &club, amb.affiliate, "Alma Ambassador", IBAN).await;
    let payout = request_payout(&app, &club, &amb).await;
    assert_eq!(payout.status, 201, "{:?}", payout.json);
    let batch = prepare_batch(&app, &club).await;

    let xml = transfer_file(&app, &club, batch).await;
    assert_schema_valid(&xml);
    assert!(
        xml.contains("<InstdAmt Ccy=\"EUR\">4.00</InstdAmt>"),
        "{xml}"
    );
    assert!(xml.contains("<Nm>Alma Ambassador</Nm>"), "{xml}");
    assert!(xml.contains("FR7630006000011234567890189"), "{xml}");

    let mut staff =
        Browser::signed_in_as(&app, club.tenant(), club.desk.treasurer, Role::Treasurer).await;
    let csv = staff
        .get(&format!(
            "/staff/affiliation/programs/{}/batches/{batch}/transfers.csv",
            club.program
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv.body.contains("Alma Ambassador"), "{}", csv.body);
    assert!(csv.body.contains(",4.00,commission,"), "{}", csv.body);

    assert_eq!(
        mark_paid(&app, &club, batch).await,
        [payout.json["id"].as_i64().unwrap_or(0)]
    );
    assert_eq!(lines(&app, &club).await[0]["status"], "paid");
    let mine = api_client::get(
        &app,
        club.host(),
        "/api/v1/affiliate/payouts",
        Some(&amb.token),
    )
    .await;
    assert_eq!(mine.json["payouts"][0]["status"], "paid");
    assert!(mine.json["payouts"][0]["paid_at"].is_string());
}

#[tokio::test]
async fn free_days_lengthen_the_referrers_membership_once_due() {
    let app = app().await;
    let club = club(&app, "aff-po-days", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "free_days", "days": 30 }),
    )
    .await;
    let amb = affiliate(&app, &club, "amb@aff-po-days.test", "Alma Ambassador").await;
    let plan = count(
        &app,
        &club,
        "INSERT INTO plans (name, period) VALUES ('Saison', 'yearly') RETURNING id",
    )
    .await;
    let membership = count(&app, &club, &format!(
        "INSERT INTO memberships (account_id, plan_id, payer_id, starts_on, ends_on, amount_minor, currency)
         VALUES ({a}, {plan}, {a}, current_date, current_date + 365, 4000, 'EUR') RETURNING id", a = amb.id)).await;
    let length =
        format!("SELECT (ends_on - starts_on)::bigint FROM memberships WHERE id = {membership}");
    let newcomer = referred(&app, &club, &amb.code, "nina@aff-po-days.test").await;
    pay(&app, &club, newcomer, 4000).await;

    sweep(&app, &club, later(29)).await;
    assert_eq!(
        count(&app, &club, &length).await,
        365,
        "not before the holding period"
    );
    sweep(&app, &club, later(31)).await;
    assert_eq!(count(&app, &club, &length).await, 365 + 30);
    assert_eq!(lines(&app, &club).await[0]["status"], "paid");
    sweep(&app, &club, later(32)).await;
    assert_eq!(count(&app, &club, &length).await, 365 + 30, "given once");
}

#[tokio::test]
async fn the_newcomers_sign_up_credit_is_on_their_account_at_once() {
    let app = app().await;
    let club = club(&app, "aff-po-credit", json!({})).await;
    let terms =
        json!({ "stage": "lead", "side": "referred", "reward": "credit", "amount_minor": 500 });
    rule(&app, &club, terms).await;
    let amb = affiliate(&app, &club, "amb@aff-po-credit.test", "Alma Ambassador").await;
    let (reply, newcomer) = sign_up(
        &app,
        &club,
        "nina@aff-po-credit.test",
        None,
        Some(&amb.code),
    )
    .await;
    assert_eq!(reply.status, 202, "{:?}", reply.json);
    let credits = format!(
        "SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_entries
         WHERE account_id = {} AND kind = 'credit'",
        newcomer.expect("account made")
    );
    assert_eq!(count(&app, &club, &credits).await, -500, "owes 5.00 less");
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0]["side"], "referred");
    assert_eq!(written[0]["status"], "paid", "given");
}

#[tokio::test]
async fn donations_leave_as_one_transfer_to_the_programmes_payee() {
    let app = app().await;
    let settings = with_bank(json!({
        "donation_payee": "Banque Alimentaire", "donation_iban": "BE68 5390 0754 7034",
    }));
    let club = club(&app, "aff-po-gift", settings).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "donation", "amount_minor": 500 }),
    )
    .await;
    for name in ["ann", "bob"] {
        let amb = affiliate(&app, &club, &format!("{name}@aff-po-gift.test"), "Ann Bob").await;
        let newcomer = referred(
            &app,
            &club,
            &amb.code,
            &format!("n-{name}@aff-po-gift.test"),
        )
        .await;
        pay(&app, &club, newcomer, 3000).await;
    }
    sweep(&app, &club, later(31)).await;
    let batch = prepare_batch(&app, &club).await;

    let path = format!("/api/v1/affiliation/programs/{}/payouts", club.program);
    let payouts = api_client::get(&app, club.host(), &path, Some(club.token())).await;
    let payouts = payouts.json.as_array().cloned().unwrap_or_default();
    assert_eq!(payouts.len(), 1, "{payouts:?}");
    assert!(payouts[0]["affiliate_id"].is_null());
    assert_eq!(payouts[0]["amount_minor"], 1000);
    assert_eq!(payouts[0]["payee_name"], "Banque Alimentaire");
    let xml = transfer_file(&app, &club, batch).await;
    assert_schema_valid(&xml);
    assert!(xml.contains("<NbOfTxs>1</NbOfTxs>"), "{xml}");
    assert!(
        xml.contains("<InstdAmt Ccy=\"EUR\">10.00</InstdAmt>"),
        "{xml}"
    );
    assert!(xml.contains("BE68539007547034"), "{xml}");

    mark_paid(&app, &club, batch).await;
    let statuses: Vec<Value> = lines(&app, &club)
        .await
        .iter()
        .map(|l| l["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("paid"), json!("paid")]);
}
