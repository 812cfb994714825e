//! SEPA direct debit collections: a member's dues under an active mandate
//! become a debit announced by mail at least the notice period before its
//! date (a pending payment keeps the dues from being planned twice); the
//! bank file holds it, validates against the pain.008.001.08 schema and
//! carries the names transliterated; it settles on its date (paid,
//! received on the collection date, receipt issued); a bank report
//! reverses it (the ledger line, the receipt), presents it again with the
//! member in grace, or ends the mandate; importing twice changes nothing.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::contributions::memberships;
use tessera::model::Tenant;
use tessera::sepa::target;

use crate::account_flow::mailing_config;
use crate::contributions_core_fixture::{create_plan, join_alone, yearly_plan};
use crate::contributions_fixture::{Desk, desk, get, person, scalar, send};
use crate::direct_debit::mail_for;
use crate::helpers::api_client::{self, Reply};
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{TestApp, migrated_database, spawn_app_with};
use crate::sepa_debit::assert_valid;

/// The creditor of these tests: members are told 10 days before.
pub fn creditor() -> Value {
    json!({
        "creditor_id": "FR72ZZZ123456", "name": "Club Nautique de Sète",
        "street": "Quai de la Marine", "building": "3", "post_code": "34200", "town": "Sète",
        "country": "FR", "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP",
        "lead_days": 2, "notice_days": 10
    })
}

/// A member of `desk`'s association with a yearly membership of 45 € in
/// `instalments`, and an active mandate signed today: (member, membership).
pub async fn member_with_mandate(
    app: &TestApp,
    desk: &Desk,
    email: &str,
    instalments: u8,
) -> (i64, i64) {
    let saved = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/direct-debit/settings",
        &creditor(),
        &desk.token,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
    let member = person(app, &desk.tenant, email, "Zoé Lefèvre", Role::Member, true).await;
    let plan = create_plan(app, &desk.tenant, &yearly_plan(4500), desk.treasurer).await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    let request = memberships::JoinRequest {
        instalments,
        ..join_alone(plan, member)
    };
    let joined = memberships::join(&mut tx, &request, None)
        .await
        .expect("join");
    let sql = format!(
        "INSERT INTO sdd_mandates (account_id, reference, kind, status, debtor_name, street, building,
             post_code, town, country, iban, locale, signed_on, signed_via)
         VALUES ({member}, 'RUM-{member}', 'recurrent', 'active', 'Zoé Lefèvre', 'Rue de l''Église', '12',
             '34000', 'Montpellier', 'FR', 'FR7630006000011234567890189', 'fr', current_date, 'portal')"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(tx.conn().await.expect("conn"))
        .await
        .expect("mandate");
    tx.commit().await.expect("commit");
    (member, joined.membership_ids[0])
}

async fn post(app: &TestApp, desk: &Desk, path: &str) -> Reply {
    send(app, "POST", &desk.host, path, &json!({}), &desk.token).await
}

/// Posts a bank report as raw XML.
pub async fn import(app: &TestApp, desk: &Desk, xml: &str) -> Reply {
    let request = app
        .http
        .post(format!("http://{}/api/v1/direct-debit/returns", app.addr))
        .header("content-type", "application/xml")
        .body(xml.to_owned());
    api_client::send(app, request, &desk.host, Some(&desk.token)).await
}

/// A pain.002 rejecting `end_to_end_id` with `reason`.
pub fn pain_002(end_to_end_id: &str, reason: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-09T07:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>P</OrgnlPmtInfId><TxInfAndSts><OrgnlEndToEndId>{end_to_end_id}</OrgnlEndToEndId>
<TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>{reason}</Cd></Rsn></StsRsnInf></TxInfAndSts></OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>"#
    )
}

async fn text(app: &TestApp, tenant: &Arc<Tenant>, sql: &str) -> String {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(tx.conn().await.expect("conn"))
        .await
        .expect("text")
}

async fn settle(app: &TestApp, tenant: &Arc<Tenant>, on: NaiveDate) -> usize {
    let mut tx = app.tenant_tx(tenant).await;
    let settled = tessera::direct_debit::collections::settle_due(&mut tx, on)
        .await
        .expect("settle");
    tx.commit().await.expect("commit");
    settled
}

pub async fn membership_status(app: &TestApp, desk: &Desk, id: i64) -> String {
    let reply = get(
        app,
        &desk.host,
        &format!("/api/v1/memberships/{id}"),
        &desk.token,
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    reply.json["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn a_debit_is_announced_sent_in_a_valid_file_and_settled_on_its_date() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let desk = desk(&app, "sdd-run").await;
    let (member, membership) = member_with_mandate(&app, &desk, "zoe@sdd-run.test", 3).await;

    let planned = post(&app, &desk, "/api/v1/direct-debit/collections/plan").await;
    assert_eq!(planned.status, 200, "{:?}", planned.json);
    // Three instalments of 15 €: only the first falls within the window.
    assert_eq!(planned.json, json!({ "debits": 1, "total_minor": 1500 }));
    let again = post(&app, &desk, "/api/v1/direct-debit/collections/plan").await;
    assert_eq!(
        again.json["debits"], 0,
        "dues on their way are not planned twice"
    );
    let debits = get(
        &app,
        &desk.host,
        "/api/v1/direct-debit/collections",
        &desk.token,
    )
    .await;
    let debit = &debits.json[0];
    let due_on: NaiveDate = debit["due_on"]
        .as_str()
        .expect("date")
        .parse()
        .expect("date");
    let today = chrono::Utc::now().date_naive();
    assert!(
        due_on >= today + Days::new(10),
        "told 10 days before: {due_on}"
    );
    assert!(target::is_business_day(due_on), "{due_on}");
    assert_eq!(debit["status"], "planned");
    assert_eq!(debit["account_id"], member);

    let notice = mail_for(&sink, &format!("RUM-{member}")).await;
    assert!(notice.to.contains("<zoe@sdd-run.test>"), "{}", notice.to);
    assert!(notice.text.contains("FR72ZZZ123456"), "{}", notice.text);
    assert!(notice.text.contains("15,00"), "{}", notice.text);

    let batch = post(&app, &desk, "/api/v1/direct-debit/batches").await;
    assert_eq!(batch.status, 201, "{:?}", batch.json);
    assert_eq!(batch.json["debit_count"], 1);
    let path = format!("/api/v1/direct-debit/batches/{}/file", batch.json["id"]);
    let file = app
        .http
        .get(format!("http://{}{path}", app.addr))
        .header("host", &desk.host)
        .header("authorization", format!("Bearer {}", desk.token))
        .send()
        .await
        .expect("file");
    assert_eq!(file.status(), 200);
    let xml = file.text().await.expect("xml");
    assert_valid(&xml);
    for expected in [
        "<Nm>Zoe Lefevre</Nm>",
        "Rue de l'Eglise",
        &format!("<MndtId>RUM-{member}</MndtId>"),
        "<InstdAmt Ccy=\"EUR\">15.00</InstdAmt>",
        "<SeqTp>RCUR</SeqTp>",
        &format!("<ReqdColltnDt>{due_on}</ReqdColltnDt>"),
        "<Id>FR72ZZZ123456</Id>",
    ] {
        assert!(xml.contains(expected), "{expected} in {xml}");
    }
    let nothing = post(&app, &desk, "/api/v1/direct-debit/batches").await;
    assert_eq!(nothing.status, 409, "each debit goes to the bank once");

    assert_eq!(
        settle(&app, &desk.tenant, due_on - Days::new(1)).await,
        0,
        "not before its date"
    );
    assert_eq!(membership_status(&app, &desk, membership).await, "pending");
    assert_eq!(settle(&app, &desk.tenant, due_on).await, 1);
    let paid = format!(
        "SELECT count(*) FROM payments WHERE method = 'direct_debit' AND status = 'paid'
           AND received_on = '{due_on}' AND payer_id = {member}"
    );
    assert_eq!(scalar(&app, &desk.tenant, &paid).await, 1);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM receipts").await,
        1
    );
    let collected =
        format!("SELECT last_collected_on::text FROM sdd_mandates WHERE account_id = {member}");
    assert_eq!(
        text(&app, &desk.tenant, &collected).await,
        due_on.to_string()
    );
    let status = membership_status(&app, &desk, membership).await;
    assert!(
        matches!(status.as_str(), "new" | "current"),
        "paid: {status}"
    );
}

#[tokio::test]
async fn a_reject_reverses_the_ledger_presents_again_in_grace_and_ends_a_dead_mandate() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let desk = desk(&app, "sdd-back").await;
    let (member, membership) = member_with_mandate(&app, &desk, "zoe@sdd-back.test", 1).await;
    post(&app, &desk, "/api/v1/direct-debit/collections/plan").await;
    post(&app, &desk, "/api/v1/direct-debit/batches").await;
    let first = get(
        &app,
        &desk.host,
        "/api/v1/direct-debit/collections",
        &desk.token,
    )
    .await
    .json[0]
        .clone();
    let due_on: NaiveDate = first["due_on"]
        .as_str()
        .expect("date")
        .parse()
        .expect("date");
    settle(&app, &desk.tenant, due_on).await;
    let balance = format!(
        "SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_entries WHERE account_id = {member}"
    );
    assert_eq!(
        scalar(&app, &desk.tenant, &balance).await,
        0,
        "charged 45 €, paid 45 €"
    );

    let e2e = first["end_to_end_id"].as_str().expect("id");
    let report = pain_002(e2e, "AM04");
    let imported = import(&app, &desk, &report).await;
    assert_eq!(imported.status, 200, "{:?}", imported.json);
    assert_eq!(imported.json["returned"], 1);
    assert_eq!(imported.json["retried"], 1);
    assert_eq!(
        scalar(&app, &desk.tenant, &balance).await,
        4500,
        "the payment is reversed: 45 € owed again"
    );
    let cancelled = "SELECT count(*) FROM receipts WHERE cancelled_at IS NOT NULL";
    assert_eq!(scalar(&app, &desk.tenant, cancelled).await, 1);
    assert_eq!(
        membership_status(&app, &desk, membership).await,
        "grace",
        "presented again: still a member"
    );
    let retry = "SELECT count(*) FROM sdd_collections WHERE status = 'planned' AND attempt = 2";
    assert_eq!(scalar(&app, &desk.tenant, retry).await, 1);
    let told = mail_for(&sink, "AM04").await;
    assert!(told.to.contains("<zoe@sdd-back.test>"), "{}", told.to);

    let twice = import(&app, &desk, &report).await;
    assert_eq!(twice.json["already_known"], 1, "{:?}", twice.json);
    assert_eq!(twice.json["retried"], 0);
    assert_eq!(scalar(&app, &desk.tenant, &balance).await, 4500);

    // The retry is sent, then refused before settlement: the account is
    // closed, so the mandate ends and nothing is presented again.
    post(&app, &desk, "/api/v1/direct-debit/batches").await;
    let retried = get(
        &app,
        &desk.host,
        "/api/v1/direct-debit/collections?status=submitted",
        &desk.token,
    )
    .await;
    let e2e = retried.json[0]["end_to_end_id"]
        .as_str()
        .expect("id")
        .to_owned();
    let closed = import(&app, &desk, &pain_002(&e2e, "AC04")).await;
    assert_eq!(closed.json["rejected"], 1, "{:?}", closed.json);
    assert_eq!(closed.json["mandates_ended"], 1);
    let failed = "SELECT count(*) FROM payments WHERE status = 'failed' AND attempt = 2";
    assert_eq!(scalar(&app, &desk.tenant, failed).await, 1);
    assert_eq!(
        scalar(&app, &desk.tenant, &balance).await,
        4500,
        "nothing was paid: nothing to reverse"
    );
    let mandate = format!("SELECT status FROM sdd_mandates WHERE account_id = {member}");
    assert_eq!(text(&app, &desk.tenant, &mandate).await, "cancelled");
    assert_eq!(membership_status(&app, &desk, membership).await, "pending");

    let foreign = import(&app, &desk, &pain_002("TSR-DD-9999999999", "AM04")).await;
    assert_eq!(foreign.json["unknown"], json!(["TSR-DD-9999999999"]));
    let garbage = import(&app, &desk, "<not-a-report/>").await;
    assert_eq!(garbage.status, 422, "{:?}", garbage.json);
}
