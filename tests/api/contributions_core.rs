//! The contributions core on a real PostgreSQL: joining alone and as a
//! household, paying, refunding, renewing; gapless receipt numbers under
//! concurrency and rollbacks; idempotency keys; input that writes nothing.

use std::sync::Arc;

use chrono::NaiveDate;
use tessera::contributions::idempotency::{self, Claim};
use tessera::contributions::memberships::{self, JoinRequest};
use tessera::contributions::payments::{self, NewPayment};
use tessera::contributions::plans::{self, PlanInput};
use tessera::contributions::{Method, PaymentStatus, Status, households, ledger};
use tessera::model::{Amount, Currency};

use crate::contributions_core_fixture::{
    cash, counts, create_plan, eur, join_alone, person, receipt_numbers, yearly_plan,
};
use crate::helpers::spawn_app;

#[tokio::test]
async fn fifty_concurrent_payments_get_receipts_one_to_fifty_and_a_rollback_takes_none() {
    let app = Arc::new(spawn_app().await);
    let (tenant, _) = app.create_tenant("rcpt", "Receipts").await;
    let (other, _) = app.create_tenant("rcpt", "Other receipts").await;
    let payer = person(&app, &tenant, "Payer Many").await;
    let mut tasks = Vec::new();
    for n in 0..51 {
        let (app, tenant) = (app.clone(), tenant.clone());
        tasks.push(tokio::spawn(async move {
            let mut tx = app.tenant_tx(&tenant).await;
            payments::record(&mut tx, &cash(payer, 1_000 + n), None)
                .await
                .expect("payment");
            // One of them is rolled back after taking its number.
            if n == 25 {
                drop(tx);
            } else {
                tx.commit().await.expect("commit");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(
        receipt_numbers(&app, &tenant).await,
        (1..=50).collect::<Vec<i32>>()
    );
    let other_payer = person(&app, &other, "Other Payer").await;
    let mut tx = app.tenant_tx(&other).await;
    payments::record(&mut tx, &cash(other_payer, 500), None)
        .await
        .expect("payment");
    tx.commit().await.expect("commit");
    assert_eq!(
        receipt_numbers(&app, &other).await,
        [1],
        "each tenant has its own sequence"
    );
}

#[tokio::test]
async fn a_household_joins_under_its_cap_pays_is_current_then_a_refund_reissues_the_receipt() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("hh", "Households").await;
    let payer = person(&app, &tenant, "Anne Martin").await;
    let child = person(&app, &tenant, "Paul Martin").await;
    let partner = person(&app, &tenant, "Marc Martin").await;
    let plan = create_plan(
        &app,
        &tenant,
        &PlanInput {
            household_cap_minor: Some(6_000),
            ..yearly_plan(3_000)
        },
        payer,
    )
    .await;

    let mut tx = app.tenant_tx(&tenant).await;
    let household = households::create(&mut tx, "Famille Martin", payer, &[child, partner], payer)
        .await
        .expect("household");
    let request = JoinRequest {
        members: vec![payer, child, partner],
        household_id: Some(household),
        ..join_alone(plan, payer)
    };
    let joined = memberships::join(&mut tx, &request, Some(payer))
        .await
        .expect("join");
    assert_eq!(
        joined.quote.total,
        eur(6_000),
        "three times 30 € capped at 60 €"
    );
    assert_eq!(joined.membership_ids.len(), 3);
    let first = memberships::find(&mut tx, joined.membership_ids[0])
        .await
        .expect("read")
        .expect("found");
    assert_eq!(first.status, Status::Pending);
    assert_eq!(
        ledger::balance(&mut tx, payer, Currency::EUR)
            .await
            .expect("balance"),
        eur(6_000)
    );

    let payment = payments::record(&mut tx, &cash(payer, 6_000), Some(payer))
        .await
        .expect("pay");
    assert_eq!(
        payment
            .allocations
            .iter()
            .map(|(_, a)| a.minor())
            .sum::<i64>(),
        6_000
    );
    for id in &joined.membership_ids {
        let membership = memberships::find(&mut tx, *id)
            .await
            .expect("read")
            .expect("found");
        assert!(membership.status.is_active(), "{membership:?}");
        assert!(membership.due.is_zero());
    }
    assert!(
        ledger::balance(&mut tx, payer, Currency::EUR)
            .await
            .expect("balance")
            .is_zero()
    );

    let refunded = payments::refund(&mut tx, payment.id, eur(1_000), "overpaid", Some(payer))
        .await
        .expect("refund");
    assert_eq!(refunded.refunded, eur(1_000));
    assert_eq!(
        refunded.status,
        PaymentStatus::Paid,
        "a partial refund keeps the payment paid"
    );
    assert_eq!(
        ledger::balance(&mut tx, payer, Currency::EUR)
            .await
            .expect("balance"),
        eur(1_000)
    );
    let receipts: Vec<(i32, i64, bool)> = sqlx::query_as(
        "SELECT number, amount_minor, cancelled_at IS NOT NULL FROM receipts ORDER BY number",
    )
    .fetch_all(tx.conn().await.expect("conn"))
    .await
    .expect("receipts");
    assert_eq!(receipts, [(1, 6_000, true), (2, 5_000, false)]);
    assert!(
        payments::refund(&mut tx, payment.id, eur(5_001), "too much", Some(payer))
            .await
            .is_err()
    );
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_renewal_follows_the_payer_and_happens_once() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("renew", "Renewals").await;
    let payer = person(&app, &tenant, "Rita Payer").await;
    let child = person(&app, &tenant, "Rob Payer").await;
    let plan = create_plan(&app, &tenant, &yearly_plan(2_000), payer).await;
    let mut tx = app.tenant_tx(&tenant).await;
    let household = households::create(&mut tx, "Payer", payer, &[child], payer)
        .await
        .expect("household");
    let request = JoinRequest {
        members: vec![payer, child],
        household_id: Some(household),
        ..join_alone(plan, payer)
    };
    let joined = memberships::join(&mut tx, &request, Some(payer))
        .await
        .expect("join");
    // The price changes: the existing periods keep theirs, the renewal takes it.
    let mut changed = yearly_plan(2_500);
    changed.name = "Adhésion annuelle 2".into();
    plans::update(&mut tx, plan, &changed, payer)
        .await
        .expect("update");
    let kept = memberships::find(&mut tx, joined.membership_ids[1])
        .await
        .expect("read")
        .expect("found");
    assert_eq!(kept.amount, eur(2_000));

    let renewed = memberships::renew(
        &mut tx,
        joined.membership_ids[1],
        payer,
        false,
        memberships::today(),
    )
    .await
    .expect("renew");
    assert_eq!(
        renewed.membership_ids.len(),
        2,
        "the household's two memberships renew together"
    );
    assert_eq!(renewed.quote.total, eur(5_000));
    let next = memberships::find(&mut tx, renewed.membership_ids[0])
        .await
        .expect("read")
        .expect("found");
    let previous = memberships::find(&mut tx, joined.membership_ids[0])
        .await
        .expect("read")
        .expect("found");
    assert_eq!(
        Some(next.starts_on),
        previous.ends_on.and_then(|d| d.succ_opt())
    );
    let again = memberships::renew(
        &mut tx,
        joined.membership_ids[0],
        payer,
        false,
        memberships::today(),
    )
    .await;
    assert!(
        matches!(again, Err(tessera::contributions::Error::Conflict { .. })),
        "{again:?}"
    );
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn bad_input_is_refused_and_writes_nothing() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("badpay", "Bad payments").await;
    let payer = person(&app, &tenant, "Bad Payer").await;
    let free = PlanInput {
        free_amount: true,
        tiers: vec![],
        minimum_minor: Some(1_000),
        suggested_minor: Some(3_000),
        ..yearly_plan(0)
    };
    let free_plan = create_plan(&app, &tenant, &free, payer).await;
    let closed = create_plan(
        &app,
        &tenant,
        &PlanInput {
            open: false,
            ..yearly_plan(1_000)
        },
        payer,
    )
    .await;
    let before = counts(&app, &tenant).await;
    let chf = Amount::new(1_000, Currency::parse("CHF").expect("chf")).expect("amount");
    let bad_payments = [
        NewPayment {
            amount: eur(-500),
            ..cash(payer, 0)
        },
        NewPayment {
            amount: eur(0),
            ..cash(payer, 0)
        },
        NewPayment {
            amount: chf,
            ..cash(payer, 0)
        },
        NewPayment {
            method: Method::Cheque,
            ..cash(payer, 1_000)
        },
        NewPayment {
            payer_id: 999_999,
            ..cash(payer, 1_000)
        },
        NewPayment {
            received_on: NaiveDate::from_ymd_opt(1990, 1, 1).expect("date"),
            ..cash(payer, 1_000)
        },
        NewPayment {
            allocations: vec![payments::Allocation {
                membership_id: 424_242,
                amount_minor: 500,
            }],
            ..cash(payer, 1_000)
        },
    ];
    for payment in bad_payments {
        let mut tx = app.tenant_tx(&tenant).await;
        let result = payments::record(&mut tx, &payment, Some(payer)).await;
        assert!(
            matches!(result, Err(tessera::contributions::Error::Invalid { .. })),
            "{payment:?} → {result:?}"
        );
    }
    let bad_joins = [
        JoinRequest {
            amount: Some(eur(500)),
            ..join_alone(free_plan, payer)
        },
        JoinRequest {
            amount: Some(chf),
            ..join_alone(free_plan, payer)
        },
        join_alone(closed, payer),
        join_alone(987_654, payer),
        JoinRequest {
            instalments: 12,
            amount: Some(eur(2_000)),
            ..join_alone(free_plan, payer)
        },
    ];
    for request in bad_joins {
        let mut tx = app.tenant_tx(&tenant).await;
        let result = memberships::join(&mut tx, &request, Some(payer)).await;
        assert!(result.is_err(), "{request:?} was accepted");
        tx.commit().await.expect("commit what there is: nothing");
    }
    assert_eq!(counts(&app, &tenant).await, before);
    // The ledger cannot be edited, even by hand.
    let mut tx = app.tenant_tx(&tenant).await;
    payments::record(&mut tx, &cash(payer, 700), Some(payer))
        .await
        .expect("a good one");
    tx.commit().await.expect("commit");
    let mut tx = app.tenant_tx(&tenant).await;
    let edit = sqlx::query("UPDATE ledger_entries SET amount_minor = 1")
        .execute(tx.conn().await.expect("conn"))
        .await;
    assert!(edit.is_err(), "ledger lines are append-only");
}

#[tokio::test]
async fn an_idempotency_key_replays_its_answer_and_refuses_another_body() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("idem", "Idempotency").await;
    let hash = idempotency::request_hash("POST", "/api/v1/payments", b"{\"a\":1}");
    let mut tx = app.tenant_tx(&tenant).await;
    assert_eq!(
        idempotency::claim(&mut tx, "account:1", "k-1", &hash)
            .await
            .expect("claim"),
        Claim::Fresh
    );
    idempotency::finish(
        &mut tx,
        "account:1",
        "k-1",
        201,
        &serde_json::json!({"id": 7}),
    )
    .await
    .expect("finish");
    tx.commit().await.expect("commit");
    let mut tx = app.tenant_tx(&tenant).await;
    assert_eq!(
        idempotency::claim(&mut tx, "account:1", "k-1", &hash)
            .await
            .expect("claim"),
        Claim::Replay {
            status: 201,
            body: serde_json::json!({"id": 7})
        }
    );
    let other = idempotency::request_hash("POST", "/api/v1/payments", b"{\"a\":2}");
    assert!(
        idempotency::claim(&mut tx, "account:1", "k-1", &other)
            .await
            .is_err()
    );
    // Another caller's key of the same name is another key.
    assert_eq!(
        idempotency::claim(&mut tx, "account:2", "k-1", &other)
            .await
            .expect("claim"),
        Claim::Fresh
    );
}
