//! The payments list of `/api/v1`: newest first with the payer's name, a
//! working cursor, filters and totals; who may read it (treasurers, keys
//! with `contributions:read`, a member only their own).

use chrono::NaiveDate;
use tessera::auth::Role;

use crate::contributions_fixture::{Pay, app, desk, get, ids, key, names, pay, person, scalar};

#[tokio::test]
async fn the_list_pages_newest_first_with_names_and_a_working_cursor() {
    let app = app().await;
    let desk = desk(&app, "pay-list").await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne Martin",
        Role::Member,
        false,
    )
    .await;
    let bob = person(
        &app,
        &desk.tenant,
        "bob@x.test",
        "Bob Durand",
        Role::Member,
        false,
    )
    .await;
    // Seven payments, the first made the longest ago.
    let mut made = Vec::new();
    for n in 0..7 {
        let payer = if n % 2 == 0 { anne } else { bob };
        made.push(
            pay(
                &app,
                &desk.tenant,
                Pay {
                    payer,
                    age_s: 700 - n * 100,
                    ..Pay::default()
                },
            )
            .await,
        );
    }
    let newest_first: Vec<i64> = made.iter().rev().copied().collect();

    let first = get(&app, &desk.host, "/api/v1/payments?limit=3", &desk.token).await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(ids(&first), newest_first[..3]);
    assert_eq!(names(&first), ["Anne Martin", "Bob Durand", "Anne Martin"]);
    let item = &first.json["items"][0];
    assert_eq!(item["amount"]["minor"], 2500);
    assert_eq!(item["amount"]["currency"], "EUR");
    assert_eq!(item["amount"]["decimal"], "25.00");
    assert_eq!(item["payer_id"], anne);
    let cursor = first.json["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();

    let second = get(
        &app,
        &desk.host,
        &format!("/api/v1/payments?limit=3&cursor={cursor}"),
        &desk.token,
    )
    .await;
    assert_eq!(ids(&second), newest_first[3..6]);
    let cursor = second.json["next_cursor"]
        .as_str()
        .expect("a third page")
        .to_owned();
    let last = get(
        &app,
        &desk.host,
        &format!("/api/v1/payments?limit=3&cursor={cursor}"),
        &desk.token,
    )
    .await;
    assert_eq!(ids(&last), newest_first[6..]);
    assert!(last.json["next_cursor"].is_null(), "{:?}", last.json);

    // The default page holds everything here; no count is returned.
    let all = get(&app, &desk.host, "/api/v1/payments", &desk.token).await;
    assert_eq!(ids(&all), newest_first);
    assert!(all.json.get("count").is_none());

    for bad in [
        "cursor=nonsense",
        "cursor=YS5i",
        "limit=0",
        "limit=201",
        "limit=x",
        "method=gold",
        "unknown=1",
    ] {
        let reply = get(
            &app,
            &desk.host,
            &format!("/api/v1/payments?{bad}"),
            &desk.token,
        )
        .await;
        assert_eq!(reply.status, 400, "{bad}: {reply:?}");
        assert!(reply.is_problem(), "{bad}");
    }
}

#[tokio::test]
async fn filters_and_totals_agree() {
    let app = app().await;
    let desk = desk(&app, "pay-filter").await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        false,
    )
    .await;
    let bob = person(&app, &desk.tenant, "bob@x.test", "Bob", Role::Member, false).await;
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    // Season 2024 (September 2024 – August 2025) and one outside it.
    let cash = pay(
        &app,
        &desk.tenant,
        Pay {
            payer: anne,
            minor: 3000,
            received_on: date(2024, 9, 1),
            ..Pay::default()
        },
    )
    .await;
    let cheque = pay(
        &app,
        &desk.tenant,
        Pay {
            payer: bob,
            minor: 1500,
            method: "cheque",
            received_on: date(2025, 8, 31),
            ..Pay::default()
        },
    )
    .await;
    let refunded = pay(
        &app,
        &desk.tenant,
        Pay {
            payer: anne,
            minor: 4000,
            refunded: 1000,
            method: "transfer",
            received_on: date(2025, 1, 10),
            ..Pay::default()
        },
    )
    .await;
    let pending = pay(
        &app,
        &desk.tenant,
        Pay {
            payer: bob,
            minor: 999,
            status: "pending",
            received_on: date(2025, 2, 1),
            ..Pay::default()
        },
    )
    .await;
    let outside = pay(
        &app,
        &desk.tenant,
        Pay {
            payer: anne,
            minor: 700,
            received_on: date(2025, 9, 1),
            ..Pay::default()
        },
    )
    .await;
    // `refunded` pays a membership of plan P.
    let plan = scalar(
        &app,
        &desk.tenant,
        "INSERT INTO plans (name, period) VALUES ('P', 'yearly') RETURNING id",
    )
    .await;
    let membership = scalar(&app, &desk.tenant, &format!(
        "INSERT INTO memberships (account_id, plan_id, payer_id, starts_on, ends_on, amount_minor, currency)
         VALUES ({anne}, {plan}, {anne}, '2024-09-01', '2025-08-31', 4000, 'EUR') RETURNING id")).await;
    scalar(
        &app,
        &desk.tenant,
        &format!(
            "INSERT INTO payment_allocations (payment_id, membership_id, amount_minor)
         VALUES ({refunded}, {membership}, 4000) RETURNING payment_id"
        ),
    )
    .await;

    let list = |query: String| {
        let (app, desk) = (&app, &desk);
        async move {
            let reply = get(
                app,
                &desk.host,
                &format!("/api/v1/payments?{query}"),
                &desk.token,
            )
            .await;
            assert_eq!(reply.status, 200, "{query}: {reply:?}");
            let mut found = ids(&reply);
            found.sort();
            found
        }
    };
    assert_eq!(
        list("season=2024".into()).await,
        [cash, cheque, refunded, pending]
    );
    assert_eq!(list("method=cheque".into()).await, [cheque]);
    assert_eq!(list("status=pending".into()).await, [pending]);
    assert_eq!(list(format!("payer_id={bob}")).await, [cheque, pending]);
    assert_eq!(list(format!("plan_id={plan}")).await, [refunded]);
    assert_eq!(
        list("from=2025-01-01&to=2025-08-31".into()).await,
        [cheque, refunded, pending]
    );
    assert_eq!(
        list("season=2024&from=2025-02-01".into()).await,
        [cheque, pending]
    );
    assert_eq!(list("season=2025".into()).await, [outside]);

    let totals = get(
        &app,
        &desk.host,
        "/api/v1/payments/totals?season=2024",
        &desk.token,
    )
    .await;
    assert_eq!(totals.status, 200, "{totals:?}");
    let eur = &totals.json["totals"][0];
    assert_eq!(eur["currency"], "EUR");
    assert_eq!(eur["count"], 4);
    // Received: the paid ones (the pending one is not money in hand).
    assert_eq!(eur["paid"]["minor"], 3000 + 1500 + 4000);
    assert_eq!(eur["refunded"]["minor"], 1000);
    assert_eq!(eur["net"]["decimal"], "75.00");
    let none = get(
        &app,
        &desk.host,
        "/api/v1/payments/totals?method=card",
        &desk.token,
    )
    .await;
    assert_eq!(none.json["totals"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn members_see_only_their_own_and_keys_need_the_scope() {
    let app = app().await;
    let desk = desk(&app, "pay-who").await;
    let anne = person(
        &app,
        &desk.tenant,
        "anne@x.test",
        "Anne",
        Role::Member,
        true,
    )
    .await;
    let bob = person(&app, &desk.tenant, "bob@x.test", "Bob", Role::Member, false).await;
    let mine = pay(
        &app,
        &desk.tenant,
        Pay {
            payer: anne,
            ..Pay::default()
        },
    )
    .await;
    pay(
        &app,
        &desk.tenant,
        Pay {
            payer: bob,
            ..Pay::default()
        },
    )
    .await;
    let (anne_token, _) = crate::helpers::api_client::login(
        &app,
        &desk.host,
        "anne@x.test",
        crate::contributions_fixture::PASSWORD,
    )
    .await;

    for path in [
        "/api/v1/payments",
        "/api/v1/payments/totals",
        "/api/v1/payments/export.csv",
        &format!("/api/v1/members/{bob}/balance"),
    ] {
        let reply = get(&app, &desk.host, path, &anne_token).await;
        assert_eq!(reply.status, 403, "{path}: {reply:?}");
    }
    let own = get(&app, &desk.host, "/api/v1/auth/user/payments", &anne_token).await;
    assert_eq!(ids(&own), [mine]);
    let asked_for_bob = get(
        &app,
        &desk.host,
        &format!("/api/v1/auth/user/payments?payer_id={bob}"),
        &anne_token,
    )
    .await;
    assert_eq!(
        ids(&asked_for_bob),
        [mine],
        "a member cannot widen the filter"
    );
    let balance = get(
        &app,
        &desk.host,
        &format!("/api/v1/members/{anne}/balance"),
        &anne_token,
    )
    .await;
    assert_eq!(balance.status, 200, "{balance:?}");

    let members_only = key(&app, &desk, &["members:read"]).await;
    let reply = get(&app, &desk.host, "/api/v1/payments", &members_only).await;
    assert_eq!(reply.status, 403, "{reply:?}");
    assert!(
        reply.json["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("contributions:read")
    );
    let reader = key(&app, &desk, &["contributions:read"]).await;
    assert_eq!(
        get(&app, &desk.host, "/api/v1/payments", &reader)
            .await
            .status,
        200
    );
    assert_eq!(
        get(
            &app,
            &desk.host,
            &format!("/api/v1/members/{bob}/balance"),
            &reader
        )
        .await
        .status,
        200
    );
    let reply = crate::contributions_fixture::send(
        &app,
        "POST",
        &desk.host,
        "/api/v1/plans",
        &serde_json::json!({"name": "X", "period": "yearly"}),
        &reader,
    )
    .await;
    assert_eq!(reply.status, 403, "read is not write: {reply:?}");
    // Keys never use the member's own door.
    assert_eq!(
        get(&app, &desk.host, "/api/v1/auth/user/payments", &reader)
            .await
            .status,
        403
    );
}
