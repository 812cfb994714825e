//! The bench data set's contributions and W2's request: what the harness
//! measures must be what BENCHMARK.md describes (plans, 400 allocated
//! payments with ledger lines, a treasurer per tenant; W2 answers 50
//! payments of that tenant, newest first, with the members' names).

use std::sync::Arc;

use tessera::bench::{payments, seed};
use tessera::tenancy::{Hostname, Slug, registry};

use crate::helpers::api_client;
use crate::helpers::spawn_isolated_app;

#[tokio::test]
async fn the_w2_request_answers_as_the_harness_expects() {
    let app = spawn_isolated_app().await;
    let db = &app.state.db;
    let provisioner = seed::provisioner(db, Hostname::parse("admin.localhost").unwrap()).unwrap();
    let report = seed::seed(db, &provisioner, 2, 2).await.unwrap();
    assert_eq!(report.filled, 2);
    assert_eq!(
        seed::seed(db, &provisioner, 2, 2).await.unwrap().filled,
        0,
        "idempotent"
    );

    let tenant = registry::find_by_slug(app.pool(), &Slug::parse("bench-00002").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.tenant_tx(&Arc::new(tenant)).await;
    let counts: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM plans), (SELECT count(*) FROM payments),
                (SELECT count(*) FROM payment_allocations), (SELECT count(*) FROM ledger_entries),
                (SELECT count(*) FROM memberships),
                (SELECT (extract(epoch FROM max(created_at) - min(created_at)) / 86400)::bigint FROM payments)",
    )
    .fetch_one(tx.conn().await.unwrap())
    .await
    .unwrap();
    assert_eq!(counts.0, 3);
    assert_eq!(
        (counts.1, counts.2, counts.3, counts.4),
        (400, 400, 800, 400)
    );
    assert!(
        (720..=731).contains(&counts.5),
        "spread over 24 months: {} days",
        counts.5
    );
    let owed: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_entries")
            .fetch_one(tx.conn().await.unwrap())
            .await
            .unwrap();
    assert_eq!(owed, 0, "every bench membership is paid");
    drop(tx);

    let host = "bench-00002.bench.localhost";
    let (token, _) = api_client::login(
        &app,
        host,
        &payments::treasurer_email("bench-00002"),
        payments::TREASURER_PASSWORD,
    )
    .await;
    let reply = api_client::get(&app, host, "/api/v1/payments?limit=50", Some(&token)).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    let items = reply.json["items"].as_array().expect("items");
    assert_eq!(items.len(), 50);
    let stamps: Vec<&str> = items
        .iter()
        .map(|i| i["created_at"].as_str().unwrap())
        .collect();
    assert!(
        stamps.windows(2).all(|w| w[0] > w[1]),
        "newest first, fixed width: {stamps:?}"
    );
    assert!(items.iter().all(|i| {
        let name = i["payer_name"].as_str().unwrap();
        name.starts_with("Member ") && name.ends_with(" of bench-00002")
    }));

    payments::fill_export(db, 2, 1000).await.unwrap();
    let response = app
        .http
        .get(format!("http://{}/api/v1/payments/export.csv", app.addr))
        .header("Host", host)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let body = response.text().await.unwrap();
    assert_eq!(body.lines().count(), 1001, "header and 1,000 payments");
    assert_eq!(
        payments::fill_export(db, 2, 1000).await.unwrap(),
        0,
        "topped up once"
    );
}

/// W2's request on the wire: the transaction's start (role and
/// `search_path`), the token's check (one statement), the page (one
/// statement, the payer's name joined in) and the commit. A per-row lookup
/// or a count would add trips.
#[tokio::test]
async fn a_page_of_payments_is_one_statement() {
    use crate::contributions_fixture::{PASSWORD, Pay, pay, person};
    use tessera::auth::Role;

    let (app, proxy) = crate::round_trips::app_behind_proxy().await;
    let (tenant, _) = app.create_tenant("trips-w2", "W2 trips").await;
    let host = tenant.default_host.to_string();
    person(
        &app,
        &tenant,
        "t@w2.test",
        "Treasurer",
        Role::Treasurer,
        true,
    )
    .await;
    let (token, _) = api_client::login(&app, &host, "t@w2.test", PASSWORD).await;
    for n in 0..60 {
        let payer = person(
            &app,
            &tenant,
            &format!("p{n}@w2.test"),
            &format!("Payer {n}"),
            Role::Member,
            false,
        )
        .await;
        pay(
            &app,
            &tenant,
            Pay {
                payer,
                age_s: n,
                ..Pay::default()
            },
        )
        .await;
    }
    let path = "/api/v1/payments?limit=50";
    // Each pooled connection prepares the statements once.
    for _ in 0..12 {
        assert_eq!(
            api_client::get(&app, &host, path, Some(&token))
                .await
                .status,
            200
        );
    }
    let mut trips = Vec::new();
    for _ in 0..5 {
        let before = proxy.count();
        let reply = api_client::get(&app, &host, path, Some(&token)).await;
        assert_eq!(reply.json["items"].as_array().map(Vec::len), Some(50));
        assert_eq!(reply.json["items"][0]["payer_name"], "Payer 0");
        trips.push(proxy.count() - before);
    }
    // Through a transaction pooler no statement stays prepared: each is
    // parsed and described, then bound and run, two trips instead of one.
    let per_statement = match crate::helpers::pooler::pooler() {
        Some(_) => 2,
        None => 1,
    };
    assert!(
        trips.iter().all(|t| *t == 2 + 2 * per_statement),
        "begin, token, page, commit: {trips:?}"
    );
}
