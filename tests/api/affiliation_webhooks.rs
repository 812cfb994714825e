//! Affiliation's events reach the association's webhook endpoints, signed:
//! a referred sign-up sends `referral.created`, its payment
//! `commission.created`, a refund `commission.reversed`; an endpoint that
//! asked for commissions only gets nothing else.

use serde_json::json;
use tessera::auth::Role;

use crate::affiliation_fixture::{affiliate, click, club, pay, refund, rule, sign_up};
use crate::webhooks_fixture::{self as hooks, Receiver, signed_by};

#[tokio::test]
async fn referral_and_commission_events_are_delivered_signed() {
    let app = hooks::app(true).await;
    let club = club(&app, "aff-hooks", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 }),
    )
    .await;
    let (_, admin) = hooks::person(&app, club.tenant(), "admin@aff-hooks.test", Role::Admin).await;
    let receiver = Receiver::start().await;
    let all =
        json!({ "url": receiver.url("all"), "events": ["referral.*", "commission.*", "payout.*"] });
    let (_, secret) = hooks::create(&app, club.tenant(), &admin, all).await;
    let only = json!({ "url": receiver.url("commissions"), "events": ["commission.created"] });
    hooks::create(&app, club.tenant(), &admin, only).await;

    let member = affiliate(&app, &club, "amb@aff-hooks.test", "Amb Assador").await;
    let cookie = click(&app, club.host(), &member.code, None)
        .await
        .expect("cookie");
    let (_, newcomer) = sign_up(&app, &club, "new@aff-hooks.test", Some(&cookie), None).await;
    let payment = pay(&app, &club, newcomer.expect("account"), 3000).await;
    refund(&app, &club, payment, 3000).await;
    hooks::drain(&app).await;

    let got = receiver.received_at("all");
    let types: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "referral.created",
            "commission.created",
            "commission.reversed"
        ],
        "{types:?}"
    );
    assert!(
        got.iter().all(|r| signed_by(r, &secret)),
        "every event signed with the endpoint's secret"
    );
    let created = &got[1].json()["data"];
    assert_eq!(created["amount_minor"], 300);
    assert_eq!(created["affiliate_id"], member.affiliate);
    assert_eq!(got[2].json()["data"]["amount_minor"], -300);
    let filtered = receiver.received_at("commissions");
    assert_eq!(filtered.len(), 1, "only what it asked for");
    assert_eq!(filtered[0].json()["type"], "commission.created");
}
