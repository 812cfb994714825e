//! Tenants stay apart on every contributions endpoint: B's ids on A's host
//! are unknown (404), A's token on B's host is refused (401), and A's
//! lists and exports never show B's rows.

use serde_json::json;
use tessera::auth::Role;

use crate::contributions_fixture::{Desk, Pay, app, desk, get, ids, pay, person, scalar, send};
use crate::helpers::TestApp;

/// B's rows, with ids above anything A has (identities are per schema).
struct Rows {
    payer: i64,
    payment: i64,
    plan: i64,
    household: i64,
    membership: i64,
}

async fn rows(app: &TestApp, desk: &Desk, padding: i64) -> Rows {
    for n in 0..padding {
        let pad = person(
            app,
            &desk.tenant,
            &format!("pad{n}@b.test"),
            "Pad",
            Role::Member,
            false,
        )
        .await;
        pay(
            app,
            &desk.tenant,
            Pay {
                payer: pad,
                ..Pay::default()
            },
        )
        .await;
        scalar(
            app,
            &desk.tenant,
            "INSERT INTO plans (name, period) VALUES ('pad', 'yearly') RETURNING id",
        )
        .await;
    }
    let payer = person(
        app,
        &desk.tenant,
        "payer@b.test",
        "Payer of B",
        Role::Member,
        false,
    )
    .await;
    let payment = pay(
        app,
        &desk.tenant,
        Pay {
            payer,
            ..Pay::default()
        },
    )
    .await;
    let plan = scalar(
        app,
        &desk.tenant,
        "INSERT INTO plans (name, period) VALUES ('B plan', 'yearly') RETURNING id",
    )
    .await;
    let household = scalar(
        app,
        &desk.tenant,
        &format!("INSERT INTO households (name, payer_id) VALUES ('B home', {payer}) RETURNING id"),
    )
    .await;
    scalar(app, &desk.tenant, &format!(
        "INSERT INTO household_members (household_id, account_id) VALUES ({household}, {payer}) RETURNING household_id")).await;
    let membership = scalar(
        app,
        &desk.tenant,
        &format!(
            "INSERT INTO memberships (account_id, plan_id, payer_id, starts_on, ends_on, amount_minor, currency)
             VALUES ({payer}, {plan}, {payer}, current_date, current_date + 364, 3000, 'EUR') RETURNING id"
        ),
    )
    .await;
    Rows {
        payer,
        payment,
        plan,
        household,
        membership,
    }
}

#[tokio::test]
async fn one_tenants_ids_and_tokens_mean_nothing_on_another() {
    let app = app().await;
    let a = desk(&app, "iso-a").await;
    let b = desk(&app, "iso-b").await;
    let a_payer = person(
        &app,
        &a.tenant,
        "payer@a.test",
        "Payer of A",
        Role::Member,
        false,
    )
    .await;
    let a_payment = pay(
        &app,
        &a.tenant,
        Pay {
            payer: a_payer,
            ..Pay::default()
        },
    )
    .await;
    let theirs = rows(&app, &b, 5).await;

    let reads = [
        format!("/api/v1/payments/{}", theirs.payment),
        format!("/api/v1/memberships/{}", theirs.membership),
        format!("/api/v1/subscriptions/{}", theirs.membership),
        format!("/api/v1/plans/{}", theirs.plan),
        format!("/api/v1/households/{}", theirs.household),
        format!("/api/v1/members/{}/balance", theirs.payer),
    ];
    for path in &reads {
        let reply = get(&app, &a.host, path, &a.token).await;
        assert_eq!(reply.status, 404, "B's id on A's host: {path}: {reply:?}");
    }
    let writes = [
        (
            "POST",
            format!("/api/v1/payments/{}/refund", theirs.payment),
            json!({ "amount": { "minor": 100, "currency": "EUR" }, "reason": "x" }),
        ),
        (
            "POST",
            format!("/api/v1/memberships/{}/renew", theirs.membership),
            json!({}),
        ),
        (
            "POST",
            format!("/api/v1/memberships/{}/cancel", theirs.membership),
            json!({ "reason": "x" }),
        ),
        (
            "POST",
            "/api/v1/payments".to_owned(),
            json!({ "payer_id": theirs.payer, "amount": { "minor": 100, "currency": "EUR" }, "method": "cash" }),
        ),
        (
            "POST",
            "/api/v1/memberships".to_owned(),
            json!({ "plan_id": theirs.plan, "payer_id": a_payer }),
        ),
        (
            "PATCH",
            format!("/api/v1/plans/{}", theirs.plan),
            json!({ "name": "taken" }),
        ),
        (
            "POST",
            format!("/api/v1/households/{}/members/{a_payer}", theirs.household),
            json!({}),
        ),
        (
            "DELETE",
            format!(
                "/api/v1/households/{}/members/{}",
                theirs.household, theirs.payer
            ),
            json!({}),
        ),
        (
            "POST",
            "/api/v1/households".to_owned(),
            json!({ "name": "x", "payer_id": theirs.payer }),
        ),
    ];
    for (method, path, body) in &writes {
        let request = app
            .http
            .request(
                method.parse().unwrap(),
                format!("http://{}{path}", app.addr),
            )
            .header("Idempotency-Key", format!("iso-{method}-{path}"))
            .json(body);
        let reply = crate::helpers::api_client::send(&app, request, &a.host, Some(&a.token)).await;
        assert!(
            matches!(reply.status, 404 | 422),
            "B's ids on A's host: {method} {path}: {reply:?}"
        );
    }
    // A's lists, filtered on B's ids, show nothing of B.
    let listed = get(
        &app,
        &a.host,
        &format!("/api/v1/payments?payer_id={}", theirs.payer),
        &a.token,
    )
    .await;
    assert_eq!(ids(&listed), Vec::<i64>::new());
    let listed = get(&app, &a.host, "/api/v1/payments", &a.token).await;
    assert_eq!(ids(&listed), [a_payment]);
    let export = get(&app, &a.host, "/api/v1/payments/export.csv", &a.token).await;
    assert_eq!(export.status, 200);

    let every = [
        ("POST", "/api/v1/payments".to_owned()),
        ("GET", format!("/api/v1/payments/{}", theirs.payment)),
        (
            "POST",
            format!("/api/v1/payments/{}/refund", theirs.payment),
        ),
        ("GET", "/api/v1/memberships".to_owned()),
        ("POST", "/api/v1/memberships".to_owned()),
        ("GET", format!("/api/v1/memberships/{}", theirs.membership)),
        (
            "POST",
            format!("/api/v1/memberships/{}/renew", theirs.membership),
        ),
        (
            "POST",
            format!("/api/v1/memberships/{}/cancel", theirs.membership),
        ),
        ("GET", "/api/v1/subscriptions".to_owned()),
        ("GET", "/api/v1/auth/user/memberships".to_owned()),
        ("GET", "/api/v1/payments".to_owned()),
        ("GET", "/api/v1/payments/totals".to_owned()),
        ("GET", "/api/v1/payments/export.csv".to_owned()),
        ("GET", "/api/v1/payments/export.xlsx".to_owned()),
        ("GET", "/api/v1/plans".to_owned()),
        ("POST", "/api/v1/plans".to_owned()),
        ("GET", format!("/api/v1/plans/{}", theirs.plan)),
        ("PATCH", format!("/api/v1/plans/{}", theirs.plan)),
        ("GET", "/api/v1/households".to_owned()),
        ("POST", "/api/v1/households".to_owned()),
        ("GET", format!("/api/v1/households/{}", theirs.household)),
        (
            "POST",
            format!(
                "/api/v1/households/{}/members/{}",
                theirs.household, theirs.payer
            ),
        ),
        (
            "DELETE",
            format!(
                "/api/v1/households/{}/members/{}",
                theirs.household, theirs.payer
            ),
        ),
        ("GET", format!("/api/v1/members/{}/balance", theirs.payer)),
        ("GET", "/api/v1/auth/user/payments".to_owned()),
    ];
    for (method, path) in &every {
        let reply = send(
            &app,
            method,
            &b.host,
            path,
            &json!({ "name": "x", "period": "yearly" }),
            &a.token,
        )
        .await;
        assert_eq!(
            reply.status, 401,
            "A's token on B's host: {method} {path}: {reply:?}"
        );
    }
    assert_eq!(
        scalar(&app, &b.tenant, "SELECT count(*) FROM payments").await,
        6
    );
    assert_eq!(
        scalar(&app, &b.tenant, "SELECT count(*) FROM household_members").await,
        1
    );
    let untouched = [
        ("SELECT sum(refunded_minor)::bigint FROM payments", 0),
        (
            "SELECT count(*) FROM memberships WHERE cancelled_at IS NULL",
            1,
        ),
        ("SELECT count(*) FROM memberships", 1),
        ("SELECT count(*) FROM plans WHERE name = 'taken'", 0),
    ];
    for (sql, expected) in untouched {
        assert_eq!(scalar(&app, &b.tenant, sql).await, expected, "{sql}");
    }
    assert_eq!(
        scalar(&app, &a.tenant, "SELECT count(*) FROM payments").await,
        1
    );
}
