//! Member pages, continued: plans not offered cannot be joined; "I have
//! sent a transfer" keeps a lapsed member in grace (and is recorded once);
//! a member sees only their own memberships and receipts; an association's
//! sessions and ids mean nothing on another's host.

use serde_json::json;
use tessera::auth::Role;

use tessera::contributions::ledger;
use tessera::contributions::model::{Method, PaymentStatus};
use tessera::contributions::payments::{self, NewPayment};
use tessera::model::Currency;

use crate::contributions_member::{
    first_status, joined_long_ago, memberships_count, plan, today, yearly,
};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_isolated_app;

#[tokio::test]
async fn i_have_sent_a_transfer_keeps_a_lapsed_member_in_grace() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("grace", "Club Grâce").await;
    let plan_id = plan(
        &app,
        &tenant,
        json!({"name": "Annuel", "period": "yearly", "anchor": "anniversary",
        "tiers": [{"code": "standard", "label": "Standard", "amount_minor": 2000}]}),
    )
    .await;
    let me = create_account(
        &app,
        &tenant,
        "late@example.test",
        "pw-late-12345678",
        Role::Member,
    )
    .await;
    joined_long_ago(&app, &tenant, plan_id, me, 420).await;
    let mut member = Browser::signed_in_as(&app, &tenant, me, Role::Member).await;
    let lapsed = member.get("/membership").await;
    assert_eq!(first_status(&lapsed.body), "expired");
    assert!(
        lapsed.body.contains("/membership/renew?membership="),
        "renewal offered"
    );
    let sent = member.post("/membership/pay/transfer-sent", &[]).await;
    assert_eq!(sent.status, 303, "{}", sent.body);
    assert_eq!(first_status(&member.get("/membership").await.body), "grace");
    // Saying it twice records nothing more.
    member.post("/membership/pay/transfer-sent", &[]).await;
    let mut tx = app.tenant_tx(&tenant).await;
    let pending: Vec<(String, String)> =
        sqlx::query_as("SELECT method, status FROM payments WHERE payer_id = $1")
            .bind(me)
            .fetch_all(tx.conn().await.unwrap())
            .await
            .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(pending, [("transfer".to_owned(), "pending".to_owned())]);
}

#[tokio::test]
async fn members_see_only_their_own_and_associations_stay_apart() {
    let app = spawn_isolated_app().await;
    let (a, _) = app.create_tenant("privacya", "Club A").await;
    let (b, _) = app.create_tenant("privacyb", "Club B").await;
    let plan_a = plan(&app, &a, yearly()).await;
    let plan_b = plan(&app, &b, yearly()).await;
    let alice = create_account(
        &app,
        &a,
        "alice@example.test",
        "pw-alice-123456",
        Role::Member,
    )
    .await;
    let bruno = create_account(
        &app,
        &a,
        "bruno@example.test",
        "pw-bruno-123456",
        Role::Member,
    )
    .await;
    let carla = create_account(
        &app,
        &b,
        "carla@example.test",
        "pw-carla-123456",
        Role::Member,
    )
    .await;
    let alices = joined_long_ago(&app, &a, plan_a, alice, 400).await;
    let brunos = joined_long_ago(&app, &a, plan_a, bruno, 400).await;
    // B's ids run past A's: an id of B names nothing in A.
    for n in 0..3 {
        let email = format!("filler{n}@example.test");
        let filler = create_account(&app, &b, &email, "pw-filler-123456", Role::Member).await;
        joined_long_ago(&app, &b, plan_b, filler, 400).await;
    }
    let carlas = joined_long_ago(&app, &b, plan_b, carla, 400).await;
    assert!(carlas > brunos.max(alices));
    let mut tx = app.tenant_tx(&a).await;
    sqlx::query("UPDATE accounts SET display_name = 'Bruno Secret' WHERE id = $1")
        .bind(bruno)
        .execute(tx.conn().await.unwrap())
        .await
        .unwrap();
    // Bruno pays: he has a payment and a receipt; Alice sees neither.
    let payment = NewPayment {
        payer_id: bruno,
        amount: ledger::balance(&mut tx, bruno, Currency::EUR)
            .await
            .unwrap(),
        method: Method::Cash,
        status: PaymentStatus::Paid,
        cheque_number: None,
        cheque_bank: None,
        reference: None,
        received_on: today(),
        note: None,
        allocations: Vec::new(),
        provider: None,
    };
    payments::record(&mut tx, &payment, None)
        .await
        .expect("payment");
    tx.commit().await.unwrap();
    let mut as_bruno = Browser::signed_in_as(&app, &a, bruno, Role::Member).await;
    assert!(
        as_bruno
            .get("/membership")
            .await
            .body
            .contains("/membership/receipts/")
    );

    let mut as_alice = Browser::signed_in_as(&app, &a, alice, Role::Member).await;
    let mine = as_alice.get("/membership").await;
    assert!(!mine.body.contains("Bruno Secret"));
    assert!(
        !mine.body.contains("/membership/receipts/"),
        "{}",
        mine.body
    );
    assert_eq!(
        as_alice
            .get(&format!("/membership/renew?membership={alices}"))
            .await
            .status,
        200
    );
    for other in [brunos, carlas, 987654] {
        let path = format!("/membership/renew?membership={other}");
        assert_eq!(as_alice.get(&path).await.status, 404, "{other}");
        let id = other.to_string();
        assert_eq!(
            as_alice
                .post("/membership/renew", &[("membership", id.as_str())])
                .await
                .status,
            404
        );
    }
    // Alice's session means nothing on B's host.
    let mut stolen = Browser::new(&app, &b).await;
    stolen.cookies = as_alice.cookies.clone();
    let page = stolen.get("/membership").await;
    assert_ne!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("Saison"));
    // Signed out, the pages ask to sign in.
    let mut visitor = Browser::new(&app, &a).await;
    assert_eq!(visitor.get("/membership").await.status, 303);
    assert_eq!(
        visitor
            .post("/membership/pay/transfer-sent", &[])
            .await
            .status,
        303
    );
}

#[tokio::test]
async fn closed_hidden_archived_or_unknown_plans_cannot_be_joined() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("closedplan", "Club Clos").await;
    let closed = plan(
        &app,
        &tenant,
        json!({"name": "Fermé", "period": "yearly", "open": false,
        "tiers": [{"code": "standard", "label": "Standard", "amount_minor": 3000}]}),
    )
    .await;
    let hidden = plan(
        &app,
        &tenant,
        json!({"name": "Honneur", "period": "lifetime", "public": false,
        "tiers": [{"code": "standard", "label": "Standard", "amount_minor": 0}]}),
    )
    .await;
    let me = create_account(
        &app,
        &tenant,
        "late@example.test",
        "pw-late-12345678",
        Role::Member,
    )
    .await;
    let mut member = Browser::signed_in_as(&app, &tenant, me, Role::Member).await;
    let list = member.get("/membership/plans").await;
    assert!(!list.body.contains("Fermé") && !list.body.contains("Honneur"));
    for id in [
        closed.to_string(),
        hidden.to_string(),
        "999999".into(),
        "x".into(),
    ] {
        assert_eq!(
            member
                .get(&format!("/membership/join?plan={id}"))
                .await
                .status,
            404,
            "{id}"
        );
        for step in ["/membership/join", "/membership/join/confirm"] {
            let page = member
                .post(step, &[("plan", id.as_str()), ("tier", "standard")])
                .await;
            assert_eq!(page.status, 404, "{step} {id}");
        }
    }
    assert_eq!(memberships_count(&app, &tenant).await, 0);
}
