//! Refunds and retries against the commission ledger: a refund appends
//! the (negative) difference between what the sale earned and what it
//! still earns; a share shrinks with a partial refund, a flat reward only
//! goes with a full one; a commission already paid out is clawed back from
//! the next payout. Retried or concurrent deliveries of one payment, over
//! HTTP or straight into `payment_changed`, write one line.

use serde_json::json;

use crate::affiliation_fixture::{
    Club, affiliate, app, bank, club, later, lines, mark_paid, pay, prepare_batch, referred,
    refund, request_payout, rule, standing, sweep,
};
use crate::contributions_fixture::{Pay, scalar};
use crate::helpers::TestApp;
use crate::helpers::api_client;

const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";

/// A programme with `terms`, an affiliate and a newcomer they brought.
async fn referred_club(app: &TestApp, prefix: &str, terms: serde_json::Value) -> (Club, i64) {
    let club = club(app, prefix, json!({})).await;
    rule(app, &club, terms).await;
    let amb = affiliate(app, &club, &format!("amb@{prefix}.test"), "Alma Ambassador").await;
    let newcomer = referred(app, &club, &amb.code, &format!("nina@{prefix}.test")).await;
    (club, newcomer)
}

#[tokio::test]
async fn a_partial_refund_shrinks_a_share_and_a_full_refund_cancels_it() {
    let app = app().await;
    let terms = json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 });
    let (club, newcomer) = referred_club(&app, "aff-rf-share", terms).await;
    let payment = pay(&app, &club, newcomer, 4000).await;
    assert_eq!(standing(&app, &club, payment).await, 400);

    refund(&app, &club, payment, 1000).await;
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 2, "{written:?}");
    let reversal = &written[0];
    assert_eq!(reversal["stage"], "reversal");
    assert_eq!(reversal["amount_minor"], -100);
    assert_eq!(
        reversal["status"], "pending",
        "not paid yet: it matures with the line it corrects"
    );
    assert_eq!(reversal["due_at"], written[1]["due_at"]);
    assert_eq!(standing(&app, &club, payment).await, 300, "10 % of 30.00");

    refund(&app, &club, payment, 3000).await;
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 3, "{written:?}");
    assert_eq!(written[0]["amount_minor"], -300);
    assert_eq!(
        standing(&app, &club, payment).await,
        0,
        "nothing left earns"
    );
}

#[tokio::test]
async fn what_stands_after_a_refund_is_the_share_of_what_is_left_to_the_cent() {
    let app = app().await;
    let terms = json!({ "stage": "sale", "reward": "percent", "basis_points": 1500 });
    let (club, newcomer) = referred_club(&app, "aff-rf-cents", terms).await;
    let payment = pay(&app, &club, newcomer, 999).await;
    assert_eq!(
        standing(&app, &club, payment).await,
        149,
        "15 % of 9.99, rounded down"
    );
    // 15 % of each amount left, rounded down as the sale itself was.
    for (refunded, left_share) in [(499, 75), (200, 45), (299, 0)] {
        refund(&app, &club, payment, refunded).await;
        assert_eq!(standing(&app, &club, payment).await, left_share);
    }
}

#[tokio::test]
async fn a_flat_reward_survives_a_partial_refund_but_not_a_full_one() {
    let app = app().await;
    let terms = json!({ "stage": "sale", "reward": "flat", "amount_minor": 300 });
    let (club, newcomer) = referred_club(&app, "aff-rf-flat", terms).await;
    let payment = pay(&app, &club, newcomer, 2000).await;
    refund(&app, &club, payment, 500).await;
    assert_eq!(lines(&app, &club).await.len(), 1, "a flat reward stands");
    assert_eq!(standing(&app, &club, payment).await, 300);

    refund(&app, &club, payment, 1500).await;
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 2, "{written:?}");
    assert_eq!(written[0]["stage"], "reversal");
    assert_eq!(written[0]["amount_minor"], -300);
    assert_eq!(standing(&app, &club, payment).await, 0);
}

#[tokio::test]
async fn a_refund_after_the_payout_is_netted_in_the_next_payout() {
    let app = app().await;
    let club = club(&app, "aff-rf-claw", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 }),
    )
    .await;
    let amb = affiliate(&app, &club, "amb@aff-rf-claw.test", "Alma Ambassador").await;
    let newcomer = referred(&app, &club, &amb.code, "nina@aff-rf-claw.test").await;
    let first = pay(&app, &club, newcomer, 4000).await;
    sweep(&app, &club, later(31)).await;
    bank(&app, &club, amb.affiliate, "Alma Ambassador", IBAN).await;
    let payout = request_payout(&app, &club, &amb).await;
    assert_eq!(payout.status, 201, "{:?}", payout.json);
    assert_eq!(payout.json["amount_minor"], 400);
    let batch = prepare_batch(&app, &club).await;
    assert_eq!(mark_paid(&app, &club, batch).await.len(), 1);
    assert_eq!(lines(&app, &club).await[0]["status"], "paid");

    // The paid commission's payment is refunded in full: a clawback, due now.
    refund(&app, &club, first, 4000).await;
    let written = lines(&app, &club).await;
    let clawback = &written[0];
    assert_eq!(clawback["stage"], "reversal");
    assert_eq!(clawback["amount_minor"], -400);
    assert_eq!(clawback["status"], "due");
    assert!(clawback["payout_id"].is_null());

    // The next commission, once due, is paid net of it.
    pay(&app, &club, newcomer, 5000).await;
    sweep(&app, &club, later(31)).await;
    let next = request_payout(&app, &club, &amb).await;
    assert_eq!(next.status, 201, "{:?}", next.json);
    assert_eq!(next.json["amount_minor"], 500 - 400);
    let in_payout = scalar(
        &app,
        club.tenant(),
        &format!(
            "SELECT count(*) FROM aff_lines WHERE payout_id = {}",
            next.json["id"]
        ),
    )
    .await;
    assert_eq!(in_payout, 2, "the clawback travels with the payout");
}

#[tokio::test]
async fn twenty_retries_of_one_payment_make_one_payment_and_one_commission() {
    let app = app().await;
    let terms = json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 });
    let (club, newcomer) = referred_club(&app, "aff-rf-retry", terms).await;
    let key = uuid::Uuid::new_v4().to_string();
    let body = json!({
        "payer_id": newcomer, "amount": { "minor": 4000, "currency": "EUR" }, "method": "cash",
    });
    let attempts = (0..20).map(|_| {
        let request = app
            .http
            .post(format!("http://{}/api/v1/payments", app.addr))
            .header("Idempotency-Key", &key)
            .json(&body);
        api_client::send(&app, request, club.host(), Some(club.token()))
    });
    let replies = futures::future::join_all(attempts).await;
    assert!(replies.iter().all(|r| r.status == 201), "{replies:?}");
    let ids: std::collections::BTreeSet<_> =
        replies.iter().map(|r| r.json["id"].as_i64()).collect();
    assert_eq!(ids.len(), 1, "one answer: {ids:?}");
    let payments = scalar(
        &app,
        club.tenant(),
        &format!("SELECT count(*) FROM payments WHERE payer_id = {newcomer}"),
    )
    .await;
    assert_eq!(payments, 1);
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0]["amount_minor"], 400);
}

#[tokio::test]
async fn twenty_concurrent_reckonings_of_one_payment_write_one_line() {
    let app = app().await;
    let terms = json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 });
    let (club, newcomer) = referred_club(&app, "aff-rf-race", terms).await;
    // Written straight into the table: nothing has reckoned it yet.
    let payment = crate::contributions_fixture::pay(
        &app,
        club.tenant(),
        Pay {
            payer: newcomer,
            minor: 4000,
            ..Pay::default()
        },
    )
    .await;
    assert!(lines(&app, &club).await.is_empty());
    let deliveries = (0..20).map(|_| async {
        let mut tx = app.tenant_tx(club.tenant()).await;
        tessera::affiliation::tenant::payment_changed(&mut tx, payment).await?;
        tx.commit().await
    });
    let results = futures::future::join_all(deliveries).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "every delivery went through: {failed:?}");
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0]["amount_minor"], 400);
}
