//! Plans, households and balances through `/api/v1`, and bad input: every
//! wrong amount or shape is a 400/422 problem with a message, and nothing
//! is written.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::contributions_fixture::{app, desk, get, person, scalar, send};

fn plan(tiers: Value) -> Value {
    json!({ "name": "Adhésion", "period": "yearly", "currency": "EUR", "tiers": tiers })
}

#[tokio::test]
async fn plans_are_created_read_and_changed() {
    let app = app().await;
    let desk = desk(&app, "plans-api").await;
    let body = plan(
        json!([{ "code": "standard", "label": "Standard", "amount": { "minor": 3000, "currency": "EUR" } }]),
    );
    let created = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/plans",
        &body,
        &desk.token,
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_i64().expect("id");
    assert_eq!(created.json["tiers"][0]["amount"]["decimal"], "30.00");

    let free = json!({ "name": "Soutien", "period": "one_off", "free_amount": true,
                       "minimum": { "minor": 1000, "currency": "EUR" },
                       "suggested": { "minor": 5000, "currency": "EUR", "decimal": "50.00" } });
    let reply = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/plans",
        &free,
        &desk.token,
    )
    .await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json["minimum"]["minor"], 1000);

    let changed = send(&app, "PATCH", &desk.host, &format!("/api/v1/plans/{id}"),
        &json!({ "tiers": [{ "code": "standard", "label": "Standard", "amount": { "minor": 3500, "currency": "EUR" } }],
                 "open": false }), &desk.token).await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(changed.json["tiers"][0]["amount"]["minor"], 3500);
    assert_eq!(changed.json["open"], false);
    assert_eq!(
        changed.json["name"], "Adhésion",
        "fields not named are kept"
    );

    let shown = get(
        &app,
        &desk.host,
        &format!("/api/v1/plans/{id}"),
        &desk.token,
    )
    .await;
    assert_eq!(shown.json["tiers"][0]["amount"]["minor"], 3500);
    let listed = get(&app, &desk.host, "/api/v1/plans", &desk.token).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(2));
    let archived = send(
        &app,
        "PATCH",
        &desk.host,
        &format!("/api/v1/plans/{id}"),
        &json!({ "archived": true }),
        &desk.token,
    )
    .await;
    assert_eq!(archived.json["archived"], true, "{archived:?}");
    let listed = get(&app, &desk.host, "/api/v1/plans", &desk.token).await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
    assert_eq!(
        get(&app, &desk.host, "/api/v1/plans/999999", &desk.token)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_plan_input_is_refused_and_writes_nothing() {
    let app = app().await;
    let desk = desk(&app, "plans-bad").await;
    let tier = |amount: Value| {
        plan(json!([{ "code": "standard", "label": "Standard", "amount": amount }]))
    };
    let cases: Vec<(&str, Value, u16)> = vec![
        (
            "negative",
            tier(json!({ "minor": -100, "currency": "EUR" })),
            422,
        ),
        (
            "wrong currency",
            tier(json!({ "minor": 100, "currency": "USD" })),
            422,
        ),
        (
            "unknown currency",
            tier(json!({ "minor": 100, "currency": "ZZZ" })),
            422,
        ),
        (
            "overflow",
            tier(json!({ "minor": 100_000_000_000_000_000_i64, "currency": "EUR" })),
            422,
        ),
        (
            "beyond i64",
            tier(json!({ "minor": 1e30, "currency": "EUR" })),
            422,
        ),
        (
            "float minor",
            tier(json!({ "minor": 25.5, "currency": "EUR" })),
            422,
        ),
        (
            "too many decimals",
            tier(json!({ "minor": 2500, "currency": "EUR", "decimal": "25.001" })),
            422,
        ),
        ("amount as text", tier(json!("25.00")), 422),
        ("missing name", json!({ "period": "yearly" }), 422),
        (
            "unknown period",
            json!({ "name": "X", "period": "weekly" }),
            422,
        ),
        (
            "unknown field",
            json!({ "name": "X", "period": "yearly", "price": 3 }),
            422,
        ),
        (
            "too many instalments",
            json!({ "name": "X", "period": "yearly", "max_instalments": 300 }),
            422,
        ),
        (
            "minimum on a fixed plan",
            json!({ "name": "X", "period": "yearly", "minimum": { "minor": 1, "currency": "EUR" } }),
            422,
        ),
        (
            "empty name",
            json!({ "name": " ", "period": "yearly" }),
            422,
        ),
    ];
    for (what, body, expected) in cases {
        let reply = send(
            &app,
            "POST",
            &desk.host,
            "/api/v1/plans",
            &body,
            &desk.token,
        )
        .await;
        assert_eq!(reply.status, expected, "{what}: {reply:?}");
        assert!(reply.is_problem(), "{what}");
        assert!(
            !reply.json["detail"].as_str().unwrap_or_default().is_empty(),
            "{what}: a message"
        );
    }
    let reply = crate::helpers::api_client::send(
        &app,
        app.http
            .post(format!("http://{}/api/v1/plans", app.addr))
            .header("content-type", "application/json")
            .body("{not json"),
        &desk.host,
        Some(&desk.token),
    )
    .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM plans").await,
        0
    );
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM plan_tiers").await,
        0
    );
}

#[tokio::test]
async fn households_and_balances() {
    let app = app().await;
    let desk = desk(&app, "homes").await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        false,
    )
    .await;
    let kid = person(&app, &desk.tenant, "kid@x.test", "Kid", Role::Member, false).await;
    let other = person(
        &app,
        &desk.tenant,
        "other@x.test",
        "Other",
        Role::Member,
        false,
    )
    .await;
    let created = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/households",
        &json!({ "name": "Martin", "payer_id": anne, "members": [kid] }),
        &desk.token,
    )
    .await;
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json["id"].as_i64().expect("id");
    assert_eq!(created.json["members"].as_array().map(Vec::len), Some(2));
    let added = send(
        &app,
        "POST",
        &desk.host,
        &format!("/api/v1/households/{id}/members/{other}"),
        &json!({}),
        &desk.token,
    )
    .await;
    assert_eq!(
        added.json["members"].as_array().map(Vec::len),
        Some(3),
        "{added:?}"
    );
    let removed = send(
        &app,
        "DELETE",
        &desk.host,
        &format!("/api/v1/households/{id}/members/{kid}"),
        &json!({}),
        &desk.token,
    )
    .await;
    assert_eq!(
        removed.json["members"].as_array().map(Vec::len),
        Some(2),
        "{removed:?}"
    );
    let payer_out = send(
        &app,
        "DELETE",
        &desk.host,
        &format!("/api/v1/households/{id}/members/{anne}"),
        &json!({}),
        &desk.token,
    )
    .await;
    assert_eq!(payer_out.status, 409, "{payer_out:?}");
    let unknown = send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/households",
        &json!({ "name": "Ghost", "payer_id": 999_999 }),
        &desk.token,
    )
    .await;
    assert!(matches!(unknown.status, 404 | 422), "{unknown:?}");
    assert_eq!(
        get(&app, &desk.host, "/api/v1/households", &desk.token)
            .await
            .json
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        get(
            &app,
            &desk.host,
            &format!("/api/v1/households/{id}"),
            &desk.token
        )
        .await
        .json["payer_id"],
        anne
    );

    scalar(&app, &desk.tenant, &format!(
        "INSERT INTO ledger_entries (account_id, kind, amount_minor, currency, memo)
         VALUES ({anne}, 'charge', 3000, 'EUR', 'membership'), ({anne}, 'payment', -1000, 'EUR', 'cash')
         RETURNING 1::bigint")).await;
    let balance = get(
        &app,
        &desk.host,
        &format!("/api/v1/members/{anne}/balance"),
        &desk.token,
    )
    .await;
    assert_eq!(balance.status, 200, "{balance:?}");
    assert_eq!(balance.json["balance"]["minor"], 2000);
    assert_eq!(balance.json["balance"]["decimal"], "20.00");
    assert_eq!(balance.json["lines"].as_array().map(Vec::len), Some(2));
    assert_eq!(balance.json["lines"][1]["balance"]["minor"], 2000);
    assert_eq!(
        get(
            &app,
            &desk.host,
            "/api/v1/members/999999/balance",
            &desk.token
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_contributions_endpoints() {
    let app = app().await;
    let (tenant, _) = app.create_tenant("oas-contrib", "OpenAPI").await;
    let reply = crate::helpers::api_client::get(
        &app,
        tenant.default_host.as_str(),
        "/api/v1/openapi.json",
        None,
    )
    .await;
    let paths = &reply.json["paths"];
    for (path, method) in [
        ("/api/v1/payments", "get"),
        ("/api/v1/payments", "post"),
        ("/api/v1/payments/{id}", "get"),
        ("/api/v1/payments/{id}/refund", "post"),
        ("/api/v1/payments/totals", "get"),
        ("/api/v1/payments/export.csv", "get"),
        ("/api/v1/payments/export.xlsx", "get"),
        ("/api/v1/plans", "post"),
        ("/api/v1/plans/{id}", "patch"),
        ("/api/v1/memberships", "post"),
        ("/api/v1/memberships/{id}/renew", "post"),
        ("/api/v1/memberships/{id}/cancel", "post"),
        ("/api/v1/households/{id}/members/{account_id}", "delete"),
        ("/api/v1/members/{id}/balance", "get"),
        ("/api/v1/auth/user/payments", "get"),
        ("/api/v1/auth/user/memberships", "get"),
    ] {
        assert!(paths[path][method].is_object(), "{method} {path} missing");
    }
    let record = &paths["/api/v1/payments"]["post"];
    assert!(record["parameters"].to_string().contains("Idempotency-Key"));
}
