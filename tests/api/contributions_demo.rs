//! The demo's contributions: seeded through the core functions, once, with
//! members in every status and a season of payments whose ledgers balance.

use std::collections::BTreeSet;

use tessera::auth::Role;
use tessera::contributions::memberships::{self, MembershipFilter};
use tessera::contributions::status;
use tessera::seed::contributions::seed_tenant;

use crate::helpers::browser::create_account;
use crate::helpers::spawn_isolated_app;

#[tokio::test]
async fn the_demo_has_plans_households_every_status_and_payments() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("democontrib", "Club Démo").await;
    create_account(
        &app,
        &tenant,
        "t@example.test",
        "pw-treas-123456",
        Role::Treasurer,
    )
    .await;
    let first = create_account(
        &app,
        &tenant,
        "m1@example.test",
        "pw-member-123456",
        Role::Member,
    )
    .await;
    create_account(
        &app,
        &tenant,
        "m2@example.test",
        "pw-member-123456",
        Role::Member,
    )
    .await;

    let mut tx = app.tenant_tx(&tenant).await;
    assert!(seed_tenant(&mut tx).await.expect("seed"));
    tx.commit().await.unwrap();
    let mut tx = app.tenant_tx(&tenant).await;
    assert!(!seed_tenant(&mut tx).await.unwrap(), "seeded once");
    let rules = status::rules(&mut tx).await.unwrap();
    let filter = MembershipFilter {
        limit: 100,
        ..Default::default()
    };
    let all = memberships::list(&mut tx, &filter, &rules, memberships::today())
        .await
        .unwrap();
    let statuses: BTreeSet<&str> = all.iter().map(|m| m.status.as_str()).collect();
    for wanted in ["pending", "grace", "expired"] {
        assert!(statuses.contains(wanted), "{wanted} in {statuses:?}");
    }
    assert!(
        statuses.contains("current") || statuses.contains("new"),
        "{statuses:?}"
    );
    let household: Vec<_> = all.iter().filter(|m| m.payer_id == first).collect();
    assert_eq!(
        household.len(),
        3,
        "the first login pays for a household of three"
    );
    let (payments, methods, receipts): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM payments), (SELECT count(DISTINCT method) FROM payments),
                (SELECT count(*) FROM receipts)",
    )
    .fetch_one(tx.conn().await.unwrap())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(
        payments >= 8 && methods >= 3 && receipts >= 7,
        "{payments} {methods} {receipts}"
    );
}
