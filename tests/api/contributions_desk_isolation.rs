//! Tenants stay apart on the desk: A's treasurer cookie signs nobody in on
//! B's host, and B's plan, payment, member, membership and household ids
//! name nothing on A's host (404, and B's rows stay untouched).

use tessera::auth::Role;
use tessera::contributions::memberships;

use crate::contributions_desk::{create_plan, scalar, treasurer};
use crate::contributions_desk_payments::{join, payment_id};
use crate::helpers::browser::Browser;
use crate::helpers::spawn_app;
use crate::staff::person;

#[tokio::test]
async fn tenants_stay_apart_on_the_desk() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("desk-a", "Desk A").await;
    let (b, _) = app.create_tenant("desk-b", "Desk B").await;
    let (_, mut on_a) = treasurer(&app, &a).await;
    let (_, mut on_b) = treasurer(&app, &b).await;
    // B's rows: a plan, a member with a membership and a payment, a household.
    for _ in 0..3 {
        person(
            &app,
            &b,
            "Filler",
            &format!("f{}@example.org", rand_suffix()),
            Role::Member,
        )
        .await;
    }
    let member_b = person(&app, &b, "Bea B", "bea@example.org", Role::Member).await;
    let plan_b = create_plan(&mut on_b, "Plan B", "10").await;
    let membership_b = join(&app, &b, plan_b, member_b).await;
    let page = on_b
        .post(
            "/treasury/payments/new",
            &[
                ("payer", &member_b.to_string()),
                ("method", "cash"),
                ("amount", "10"),
                ("received_on", &memberships::today().to_string()),
            ],
        )
        .await;
    let payment_b = payment_id(&page);
    let page = on_b
        .post(
            "/treasury/households/new",
            &[("payer", &member_b.to_string()), ("name", "Foyer B")],
        )
        .await;
    let household_b = page
        .location
        .unwrap()
        .trim_start_matches("/treasury/households/")
        .to_owned();

    // A's treasurer cookie means nothing on B's host.
    let mut stolen = Browser::new(&app, &b).await;
    stolen.cookies = on_a.cookies.clone();
    let page = stolen.get("/treasury").await;
    assert_eq!(page.status, 303, "not signed in on B");
    assert!(page.location.unwrap().starts_with("/accounts/login/"));

    // B's ids on A's host name nothing.
    for path in [
        format!("/treasury/plans/{plan_b}"),
        format!("/treasury/payments/{payment_b}"),
        format!("/treasury/members/{member_b}"),
        format!("/treasury/households/{household_b}"),
    ] {
        assert_eq!(on_a.get(&path).await.status, 404, "{path}");
    }
    for (path, fields) in [
        (format!("/treasury/plans/{plan_b}/archive"), vec![]),
        (
            format!("/treasury/payments/{payment_b}/refund"),
            vec![("amount", "1"), ("reason", "x")],
        ),
        (
            format!("/treasury/memberships/{membership_b}/cancel"),
            vec![("reason", "x")],
        ),
        (
            format!("/treasury/memberships/{membership_b}/renew"),
            vec![],
        ),
        (
            format!("/treasury/households/{household_b}/add"),
            vec![("account_id", "1")],
        ),
    ] {
        assert_eq!(on_a.post(&path, &fields).await.status, 404, "{path}");
    }
    let page = on_a
        .get(&format!("/treasury/payments/new?payer={member_b}"))
        .await;
    assert!(!page.body.contains("Bea B"), "B's member is nobody on A");
    assert_eq!(
        scalar(
            &app,
            &b,
            "SELECT count(*) FROM payments WHERE refunded_minor > 0"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            &b,
            "SELECT count(*) FROM memberships WHERE cancelled_at IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        scalar(
            &app,
            &b,
            "SELECT count(*) FROM plans WHERE archived_at IS NOT NULL"
        )
        .await,
        0
    );
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
