//! Joining and paying through `/api/v1`: the same `Idempotency-Key` twice
//! is one payment (the first answer replayed), another body under the
//! same key a 422, no key a 400; refunds likewise; bad amounts, plans and
//! payers are refused with a message and write nothing.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::contributions_fixture::{Desk, app, desk, get, person, scalar, send};
use crate::helpers::TestApp;
use crate::helpers::api_client::{self, Reply};

/// `POST` with a JSON body and an optional `Idempotency-Key`.
pub async fn post_keyed(
    app: &TestApp,
    desk: &Desk,
    path: &str,
    body: &Value,
    key: Option<&str>,
) -> Reply {
    let mut request = app
        .http
        .post(format!("http://{}{path}", app.addr))
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    api_client::send(app, request, &desk.host, Some(&desk.token)).await
}

/// A yearly plan at 30 € and a free-amount one (minimum 10 €); their ids.
pub async fn plans(app: &TestApp, desk: &Desk) -> (i64, i64) {
    let fixed = json!({ "name": "Annual", "period": "yearly", "anchor": "anniversary",
        "tiers": [{ "code": "standard", "label": "Standard", "amount": { "minor": 3000, "currency": "EUR" } }] });
    let free = json!({ "name": "Support", "period": "yearly", "anchor": "anniversary", "free_amount": true,
        "minimum": { "minor": 1000, "currency": "EUR" } });
    let a = send(
        app,
        "POST",
        &desk.host,
        "/api/v1/plans",
        &fixed,
        &desk.token,
    )
    .await;
    let b = send(app, "POST", &desk.host, "/api/v1/plans", &free, &desk.token).await;
    assert_eq!((a.status, b.status), (201, 201), "{a:?} {b:?}");
    (
        a.json["id"].as_i64().unwrap(),
        b.json["id"].as_i64().unwrap(),
    )
}

fn money(minor: Value) -> Value {
    json!({ "minor": minor, "currency": "EUR" })
}

#[tokio::test]
async fn the_same_key_twice_is_one_payment() {
    let app = app().await;
    let desk = desk(&app, "pay-key").await;
    let (plan, _) = plans(&app, &desk).await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        false,
    )
    .await;
    let joined = post_keyed(
        &app,
        &desk,
        "/api/v1/subscriptions",
        &json!({ "plan_id": plan, "payer_id": anne }),
        None,
    )
    .await;
    assert_eq!(joined.status, 201, "{joined:?}");
    let membership = joined.json["membership_ids"][0].as_i64().unwrap();
    assert_eq!(joined.json["total"]["minor"], 3000);

    let body = json!({ "payer_id": anne, "amount": money(json!(3000)), "method": "cash",
                       "allocations": [{ "membership_id": membership, "amount": money(json!(3000)) }] });
    let first = post_keyed(&app, &desk, "/api/v1/payments", &body, Some("k-1")).await;
    assert_eq!(first.status, 201, "{first:?}");
    let again = post_keyed(&app, &desk, "/api/v1/payments", &body, Some("k-1")).await;
    assert_eq!(again.status, 201, "the first status is replayed");
    assert_eq!(again.json, first.json, "the first answer is replayed");
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap()),
        Some("true")
    );
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM payments").await,
        1
    );

    let other = json!({ "payer_id": anne, "amount": money(json!(100)), "method": "cash" });
    let reused = post_keyed(&app, &desk, "/api/v1/payments", &other, Some("k-1")).await;
    assert_eq!(reused.status, 422, "{reused:?}");
    let unkeyed = post_keyed(&app, &desk, "/api/v1/payments", &body, None).await;
    assert_eq!(unkeyed.status, 400, "{unkeyed:?}");
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM payments").await,
        1
    );

    let id = first.json["id"].as_i64().unwrap();
    let shown = get(
        &app,
        &desk.host,
        &format!("/api/v1/payments/{id}"),
        &desk.token,
    )
    .await;
    assert_eq!(shown.json["allocations"][0]["membership_id"], membership);
    let member = get(
        &app,
        &desk.host,
        &format!("/api/v1/memberships/{membership}"),
        &desk.token,
    )
    .await;
    assert_eq!(member.json["paid"]["minor"], 3000, "{member:?}");
    assert_eq!(member.json["due"]["minor"], 0);
    let balance = get(
        &app,
        &desk.host,
        &format!("/api/v1/members/{anne}/balance"),
        &desk.token,
    )
    .await;
    assert_eq!(balance.json["balance"]["minor"], 0, "{balance:?}");

    let refund = json!({ "amount": money(json!(1000)), "reason": "moved away" });
    let path = format!("/api/v1/payments/{id}/refund");
    let refunded = post_keyed(&app, &desk, &path, &refund, Some("r-1")).await;
    assert_eq!(refunded.status, 200, "{refunded:?}");
    assert_eq!(refunded.json["refunded"]["minor"], 1000);
    let replayed = post_keyed(&app, &desk, &path, &refund, Some("r-1")).await;
    assert_eq!(replayed.json, refunded.json);
    let too_much = post_keyed(
        &app,
        &desk,
        &path,
        &json!({ "amount": money(json!(5000)), "reason": "x" }),
        Some("r-2"),
    )
    .await;
    assert!(matches!(too_much.status, 409 | 422), "{too_much:?}");
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT refunded_minor FROM payments").await,
        1000
    );
    assert_eq!(
        post_keyed(&app, &desk, &path, &refund, None).await.status,
        400
    );

    let renewed = post_keyed(
        &app,
        &desk,
        &format!("/api/v1/memberships/{membership}/renew"),
        &json!({}),
        None,
    )
    .await;
    assert_eq!(renewed.status, 201, "{renewed:?}");
    let next = renewed.json["membership_ids"][0].as_i64().unwrap();
    let cancelled = post_keyed(
        &app,
        &desk,
        &format!("/api/v1/memberships/{next}/cancel"),
        &json!({ "reason": "changed mind" }),
        None,
    )
    .await;
    assert_eq!(cancelled.json["status"], "cancelled", "{cancelled:?}");
    let listed = get(
        &app,
        &desk.host,
        &format!("/api/v1/memberships?account_id={anne}"),
        &desk.token,
    )
    .await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(2), "{listed:?}");
}

#[tokio::test]
async fn bad_payments_and_joins_are_refused_and_write_nothing() {
    let app = app().await;
    let desk = desk(&app, "pay-bad").await;
    let (plan, free) = plans(&app, &desk).await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        false,
    )
    .await;
    let pay = |amount: Value| json!({ "payer_id": anne, "amount": amount, "method": "cash" });
    let cases: Vec<(&str, Value, u16)> = vec![
        ("negative", pay(money(json!(-100))), 422),
        ("zero", pay(money(json!(0))), 422),
        (
            "wrong currency",
            pay(json!({ "minor": 100, "currency": "USD" })),
            422,
        ),
        (
            "unknown currency",
            pay(json!({ "minor": 100, "currency": "BTC" })),
            422,
        ),
        (
            "overflow",
            pay(money(json!(100_000_000_000_000_000_i64))),
            422,
        ),
        ("beyond i64", pay(money(json!(1e25))), 422),
        ("float", pay(money(json!(25.5))), 422),
        (
            "too many decimals",
            pay(json!({ "minor": 2500, "currency": "EUR", "decimal": "25.001" })),
            422,
        ),
        (
            "unknown payer",
            json!({ "payer_id": 999_999, "amount": money(json!(100)), "method": "cash" }),
            422,
        ),
        (
            "unknown method",
            json!({ "payer_id": anne, "amount": money(json!(100)), "method": "gold" }),
            422,
        ),
        (
            "cheque without number",
            json!({ "payer_id": anne, "amount": money(json!(100)), "method": "cheque" }),
            422,
        ),
        (
            "over-allocated",
            json!({ "payer_id": anne, "amount": money(json!(100)), "method": "cash",
            "allocations": [{ "membership_id": 1, "amount": money(json!(200)) }] }),
            422,
        ),
        (
            "future date",
            json!({ "payer_id": anne, "amount": money(json!(100)), "method": "cash", "received_on": "2999-01-01" }),
            422,
        ),
    ];
    for (n, (what, body, expected)) in cases.into_iter().enumerate() {
        let reply = post_keyed(
            &app,
            &desk,
            "/api/v1/payments",
            &body,
            Some(&format!("bad-{n}")),
        )
        .await;
        assert_eq!(reply.status, expected, "{what}: {reply:?}");
        assert!(
            reply.is_problem() && reply.json["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{what}"
        );
    }
    let not_json = api_client::send(
        &app,
        app.http
            .post(format!("http://{}/api/v1/payments", app.addr))
            .header("Idempotency-Key", "raw")
            .header("content-type", "application/json")
            .body("{"),
        &desk.host,
        Some(&desk.token),
    )
    .await;
    assert_eq!(not_json.status, 400);

    let joins: Vec<(&str, Value)> = vec![
        (
            "below the minimum",
            json!({ "plan_id": free, "payer_id": anne, "amount": money(json!(500)) }),
        ),
        (
            "unknown plan",
            json!({ "plan_id": 999_999, "payer_id": anne }),
        ),
        (
            "wrong currency",
            json!({ "plan_id": free, "payer_id": anne, "amount": { "minor": 5000, "currency": "CHF" } }),
        ),
        (
            "unknown tier",
            json!({ "plan_id": plan, "payer_id": anne, "tier": "gold" }),
        ),
        (
            "negative",
            json!({ "plan_id": free, "payer_id": anne, "amount": money(json!(-5000)) }),
        ),
    ];
    for (what, body) in joins {
        let reply = post_keyed(&app, &desk, "/api/v1/memberships", &body, None).await;
        assert!(matches!(reply.status, 400 | 422), "{what}: {reply:?}");
    }
    let closed = send(
        &app,
        "PATCH",
        &desk.host,
        &format!("/api/v1/plans/{plan}"),
        &json!({ "open": false }),
        &desk.token,
    )
    .await;
    assert_eq!(closed.status, 200);
    let reply = post_keyed(
        &app,
        &desk,
        "/api/v1/memberships",
        &json!({ "plan_id": plan, "payer_id": anne }),
        None,
    )
    .await;
    assert_eq!(reply.status, 422, "closed plan: {reply:?}");

    for table in [
        "payments",
        "memberships",
        "ledger_entries",
        "idempotency_keys",
        "receipts",
    ] {
        let count = scalar(&app, &desk.tenant, &format!("SELECT count(*) FROM {table}")).await;
        assert_eq!(count, 0, "{table}: nothing written");
    }
}
