//! Tax receipts: off until an administrator declares the association (a
//! wrong SIREN refused, a treasurer cannot declare); 50 receipts issued at
//! once are numbered 1..50 with no gap, a gift receipted twice at once
//! gets one; a yearly receipt sums exactly the qualifying part of the
//! year's payments by the day they were received (a plan's fraction, a
//! refund, another year, a plan without receipts left out); cancelling
//! keeps the number and issues a replacement; the declaration's figures
//! count live receipts; another tenant reaches none of it.

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::contributions::memberships;
use tessera::contributions::payments::{self, Allocation};
use tessera::model::Tenant;

use crate::contributions_core_fixture::{cash, create_plan, eur, join_alone, yearly_plan};
use crate::contributions_fixture::{Desk, PASSWORD, app, desk, get, person, send};
use crate::helpers::api_client;
use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};

fn declaration(identifier: &str) -> Value {
    json!({
        "enabled": true, "organisation_type": "association_1901", "article_200": true,
        "object": "Promouvoir la voile auprès des jeunes", "identifier": identifier,
        "street": "3 quai de la Marine", "post_code": "34200", "town": "Sète",
        "signatory_name": "Tess Trésorière", "signatory_title": "Trésorière"
    })
}

/// Declares `desk`'s association through its administrator.
pub async fn declare(app: &TestApp, desk: &Desk, prefix: &str) {
    let email = format!("admin@{prefix}.test");
    person(app, &desk.tenant, &email, "Ada Admin", Role::Admin, true).await;
    let (admin, _) = api_client::login(app, &desk.host, &email, PASSWORD).await;
    let bad = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/tax-receipts/declaration",
        &declaration("732829321"),
        &admin,
    )
    .await;
    assert_eq!(bad.status, 422, "{:?}", bad.json);
    let by_treasurer = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/tax-receipts/declaration",
        &declaration("732829320"),
        &desk.token,
    )
    .await;
    assert_eq!(by_treasurer.status, 403, "an administrator declares");
    let saved = send(
        app,
        "PUT",
        &desk.host,
        "/api/v1/tax-receipts/declaration",
        &declaration("732 829 320"),
        &admin,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
    assert_eq!(saved.json["identifier"], "732829320");
}

/// A plan whose dues qualify at `percent` %.
pub async fn receipt_plan(app: &TestApp, desk: &Desk, price: i64, percent: u8) -> i64 {
    let mut input = yearly_plan(price);
    input.tax_receipt = true;
    input.tax_receipt_percent = percent;
    input.max_instalments = 1;
    create_plan(app, &desk.tenant, &input, desk.treasurer).await
}

pub async fn join(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    plan: i64,
    member: i64,
    on: NaiveDate,
) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let request = memberships::JoinRequest {
        on,
        ..join_alone(plan, member)
    };
    let joined = memberships::join(&mut tx, &request, None)
        .await
        .expect("join");
    tx.commit().await.expect("commit");
    joined.membership_ids[0]
}

/// A cash payment of `minor` received on `on`, allocated to `membership`.
pub async fn paid(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    member: i64,
    membership: i64,
    minor: i64,
    on: NaiveDate,
) -> i64 {
    let mut payment = cash(member, minor);
    payment.received_on = on;
    payment.allocations = vec![Allocation {
        membership_id: membership,
        amount_minor: minor,
    }];
    let mut tx = app.tenant_tx(tenant).await;
    let recorded = payments::record(&mut tx, &payment, None)
        .await
        .expect("payment");
    tx.commit().await.expect("commit");
    recorded.id
}

pub fn day(text: &str) -> NaiveDate {
    text.parse().expect("date")
}

#[tokio::test]
async fn fifty_receipts_at_once_are_numbered_without_a_gap() {
    // A database of its own and no job worker: fifty PDFs typeset at once
    // would load the machine for the other tests, and numbering is the
    // point here.
    let mut config = test_config();
    config.api.rate_per_second = 10_000;
    config.api.rate_burst = 10_000;
    config.jobs.workers = 0;
    let app = spawn_app_with(migrated_database().await, config).await;
    let desk = desk(&app, "tax-gapless").await;
    let off = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/tax-receipts",
        &json!({ "tax_year": 2026 }),
        &desk.token,
    )
    .await;
    assert_eq!(off.status, 409, "off until declared: {:?}", off.json);
    declare(&app, &desk, "tax-gapless").await;
    let plan = receipt_plan(&app, &desk, 3000, 100).await;
    let today = memberships::today();
    let mut gifts = Vec::new();
    for n in 0..50 {
        let email = format!("donor{n}@tax-gapless.test");
        let member = person(
            &app,
            &desk.tenant,
            &email,
            &format!("Donor {n}"),
            Role::Member,
            false,
        )
        .await;
        let membership = join(&app, &desk.tenant, plan, member, today).await;
        gifts.push(paid(&app, &desk.tenant, member, membership, 3000, today).await);
    }
    let twice = gifts[0];
    let bodies: Vec<Value> = gifts
        .iter()
        .chain(std::iter::once(&twice))
        .map(|payment| json!({ "payment_id": payment }))
        .collect();
    let issues = bodies.iter().map(|body| {
        send(
            &app,
            "POST",
            &desk.host,
            "/api/v1/tax-receipts",
            body,
            &desk.token,
        )
    });
    let replies = futures::future::join_all(issues).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let conflicts = replies.iter().filter(|r| r.status == 409).count();
    assert_eq!((created, conflicts), (50, 1), "one receipt per gift");
    let listed = get(
        &app,
        &desk.host,
        "/api/v1/tax-receipts?limit=1000",
        &desk.token,
    )
    .await;
    let mut numbers: Vec<i64> = listed
        .json
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["number"].as_i64().expect("n"))
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=50).collect::<Vec<i64>>());
}

#[tokio::test]
async fn a_yearly_receipt_sums_the_qualifying_part_of_the_years_payments() {
    let app = app().await;
    let desk = desk(&app, "tax-year").await;
    declare(&app, &desk, "tax-year").await;
    let member = person(
        &app,
        &desk.tenant,
        "zoe@tax-year.test",
        "Zoé Lefèvre",
        Role::Member,
        true,
    )
    .await;
    let receiptable = receipt_plan(&app, &desk, 4500, 60).await;
    let mut coaching = yearly_plan(2000);
    coaching.name = "Entraînement".into();
    let coaching = create_plan(&app, &desk.tenant, &coaching, desk.treasurer).await;
    let dues = join(&app, &desk.tenant, receiptable, member, day("2025-09-01")).await;
    let lessons = join(&app, &desk.tenant, coaching, member, day("2025-09-01")).await;
    paid(&app, &desk.tenant, member, dues, 1500, day("2025-12-31")).await;
    let march = paid(&app, &desk.tenant, member, dues, 1500, day("2026-03-01")).await;
    paid(&app, &desk.tenant, member, dues, 1500, day("2026-12-05")).await;
    paid(&app, &desk.tenant, member, lessons, 2000, day("2026-06-01")).await;
    let mut tx = app.tenant_tx(&desk.tenant).await;
    payments::refund(&mut tx, march, eur(500), "overpaid", Some(desk.treasurer))
        .await
        .expect("refund");
    tx.commit().await.expect("commit");
    // 60 % of (1500 − 500) + 60 % of 1500; not 2025's, not the coaching.
    let expected = 600 + 900;

    let body = json!({ "account_id": member, "tax_year": 2026 });
    let yearly = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/tax-receipts",
        &body,
        &desk.token,
    )
    .await;
    assert_eq!(yearly.status, 201, "{:?}", yearly.json);
    let receipt = &yearly.json["receipt"];
    assert_eq!(receipt["amount_minor"], expected);
    assert_eq!(receipt["first_on"], "2026-03-01");
    assert_eq!(receipt["last_on"], "2026-12-05");
    assert_eq!(receipt["kind"], "yearly");
    let again = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/tax-receipts",
        &body,
        &desk.token,
    )
    .await;
    assert_eq!(again.status, 409, "each gift is receipted once");
    let gift = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/tax-receipts",
        &json!({ "payment_id": march }),
        &desk.token,
    )
    .await;
    assert_eq!(gift.status, 409, "{:?}", gift.json);

    let path = format!("/api/v1/tax-receipts/{}/cancel", receipt["id"]);
    let cancelled = send(
        &app,
        "POST",
        &desk.host,
        &path,
        &json!({ "reason": "wrong address" }),
        &desk.token,
    )
    .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.json);
    let replacement = &cancelled.json["receipt"];
    assert_eq!(replacement["amount_minor"], expected);
    assert_eq!(replacement["replaces_id"], receipt["id"]);
    assert_eq!(
        replacement["number"],
        receipt["number"].as_i64().expect("n") + 1
    );
    let listed = get(
        &app,
        &desk.host,
        "/api/v1/tax-receipts?tax_year=2026",
        &desk.token,
    )
    .await;
    let old = listed
        .json
        .as_array()
        .expect("list")
        .iter()
        .find(|r| r["id"] == receipt["id"])
        .cloned();
    let old = old.expect("the cancelled receipt stays");
    assert_eq!(old["number"], receipt["number"]);
    assert!(old["cancelled_at"].is_string());
    let declared = get(
        &app,
        &desk.host,
        "/api/v1/tax-receipts/declared?tax_year=2026",
        &desk.token,
    )
    .await;
    assert_eq!(
        declared.json,
        json!({ "tax_year": 2026, "receipts": 1, "total_minor": expected })
    );
    let (zoe, _) = api_client::login(&app, &desk.host, "zoe@tax-year.test", PASSWORD).await;
    let mine = get(&app, &desk.host, "/api/v1/me/tax-receipts", &zoe).await;
    assert_eq!(mine.json.as_array().expect("mine").len(), 2);
    assert_eq!(
        get(&app, &desk.host, "/api/v1/tax-receipts", &zoe)
            .await
            .status,
        403
    );

    // Another tenant: its token, host and ids reach nothing of this one.
    let other = crate::contributions_fixture::desk(&app, "tax-other").await;
    assert_eq!(
        get(&app, &desk.host, "/api/v1/tax-receipts", &other.token)
            .await
            .status,
        401
    );
    let theirs = get(&app, &other.host, "/api/v1/tax-receipts", &other.token).await;
    assert_eq!(theirs.json, json!([]));
    let cancel_theirs = send(
        &app,
        "POST",
        &other.host,
        &path,
        &json!({ "reason": "x" }),
        &other.token,
    )
    .await;
    assert_eq!(cancel_theirs.status, 404);
    let declared = get(
        &app,
        &other.host,
        "/api/v1/tax-receipts/declared?tax_year=2026",
        &other.token,
    )
    .await;
    assert_eq!(declared.json["receipts"], 0);
}
