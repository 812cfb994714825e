//! Attribution, end to end over HTTP: a click on a short link sets the
//! referral cookie, a sign-up with it binds the newcomer to the affiliate,
//! and each payment of theirs earns the rule's commission exactly once;
//! a coupon typed at sign-up attributes too; the binding outlives the
//! cookie (another browser, no cookie at all); first and last click;
//! a cookie past the programme's window counts for nothing.

use chrono::{Duration, Utc};
use serde_json::json;
use tessera::affiliation::cookie::Visit;

use crate::affiliation_fixture::{affiliate, app, click, club, lines, pay, rule, sign_up, visit};
use crate::contributions_fixture::scalar;

#[tokio::test]
async fn a_click_then_a_sign_up_then_a_payment_earns_one_commission_by_the_rule() {
    let app = app().await;
    let club = club(&app, "aff-flow", json!({})).await;
    let rule = rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 }),
    )
    .await;
    let ambassador = affiliate(&app, &club, "amb@aff-flow.test", "Alma Ambassador").await;
    let cookie = click(&app, club.host(), &ambassador.code, None)
        .await
        .expect("a referral cookie");
    let (reply, newcomer) = sign_up(&app, &club, "nina@aff-flow.test", Some(&cookie), None).await;
    assert_eq!(reply.status, 202, "{:?}", reply.json);
    let newcomer = newcomer.expect("account made");

    let payment = pay(&app, &club, newcomer, 4000).await;
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 1, "{written:?}");
    let line = &written[0];
    assert_eq!(line["payment_id"], payment);
    assert_eq!(line["affiliate_id"], ambassador.affiliate);
    assert_eq!(line["amount_minor"], 400, "10 % of 40.00");
    assert_eq!(line["status"], "pending", "held for the refund window");
    let from_rule = scalar(
        &app,
        club.tenant(),
        &format!("SELECT rule_id FROM aff_lines WHERE id = {}", line["id"]),
    )
    .await;
    assert_eq!(from_rule, rule);

    // The affiliate sees it: click, referral, conversion, pending earnings.
    let stats = crate::helpers::api_client::get(
        &app,
        club.host(),
        "/api/v1/affiliate/stats",
        Some(&ambassador.token),
    )
    .await;
    assert_eq!(stats.json["referrals"], 1);
    assert_eq!(stats.json["conversions"], 1);
    assert_eq!(stats.json["earnings"]["pending_minor"], 400);

    // The clicks were buffered; once written, the dashboard counts one.
    app.state.affiliation.clicks.flush().await;
    let stats = crate::helpers::api_client::get(
        &app,
        club.host(),
        "/api/v1/affiliate/stats",
        Some(&ambassador.token),
    )
    .await;
    assert_eq!(stats.json["clicks"], 1);

    // The rank of the sale and the holding period come from the programme.
    let due = scalar(
        &app,
        club.tenant(),
        "SELECT extract(day FROM due_at - created_at)::bigint FROM aff_lines",
    )
    .await;
    assert_eq!(due, 30);
}

#[tokio::test]
async fn the_binding_outlives_the_cookie_and_later_links_do_not_steal_it() {
    let app = app().await;
    let club = club(&app, "aff-life", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "flat", "amount_minor": 300 }),
    )
    .await;
    let first = affiliate(&app, &club, "first@aff-life.test", "Fay First").await;
    let other = affiliate(&app, &club, "other@aff-life.test", "Oscar Other").await;
    let cookie = click(&app, club.host(), &first.code, None)
        .await
        .expect("cookie");
    let (_, newcomer) = sign_up(&app, &club, "ned@aff-life.test", Some(&cookie), None).await;
    let newcomer = newcomer.expect("account");
    // Later, from another browser, the newcomer follows someone else's link:
    // the sign-up binding stands.
    click(&app, club.host(), &other.code, None)
        .await
        .expect("cookie");
    pay(&app, &club, newcomer, 2000).await;
    pay(&app, &club, newcomer, 2000).await;
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 2, "one commission per payment: {written:?}");
    assert!(
        written
            .iter()
            .all(|l| l["affiliate_id"] == first.affiliate && l["amount_minor"] == 300)
    );
}

#[tokio::test]
async fn a_typed_coupon_attributes_and_an_unknown_code_is_refused() {
    let app = app().await;
    let club = club(&app, "aff-coupon", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "percent", "basis_points": 500 }),
    )
    .await;
    let member = affiliate(&app, &club, "cora@aff-coupon.test", "Cora Coupon").await;
    let coupon = crate::helpers::api_client::post(
        &app,
        club.host(),
        "/api/v1/affiliate/links",
        &json!({ "code": "CORA-2026", "coupon": true }),
        Some(&member.token),
    )
    .await;
    assert_eq!(coupon.status, 201, "{:?}", coupon.json);
    assert_eq!(coupon.json["code"], "cora-2026", "codes are stored folded");

    let (refused, none) =
        sign_up(&app, &club, "typo@aff-coupon.test", None, Some("NOPE-123")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.is_problem());
    assert_eq!(none, None, "a refused sign-up makes no account");

    let (reply, newcomer) =
        sign_up(&app, &club, "tom@aff-coupon.test", None, Some("Cora-2026")).await;
    assert_eq!(reply.status, 202);
    pay(&app, &club, newcomer.expect("account"), 10_000).await;
    let written = lines(&app, &club).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0]["amount_minor"], 500);
    let via = scalar(
        &app,
        club.tenant(),
        "SELECT count(*) FROM aff_referrals WHERE via = 'coupon'",
    )
    .await;
    assert_eq!(via, 1);
}

#[tokio::test]
async fn last_click_and_first_click_credit_different_affiliates() {
    let app = app().await;
    for (attribution, expect_first) in [("last_click", false), ("first_click", true)] {
        let prefix = format!("aff-{}", attribution.replace('_', ""));
        let club = club(&app, &prefix, json!({ "attribution": attribution })).await;
        rule(
            &app,
            &club,
            json!({ "stage": "sale", "reward": "flat", "amount_minor": 100 }),
        )
        .await;
        let a = affiliate(&app, &club, &format!("a@{prefix}.test"), "Ann A").await;
        let b = affiliate(&app, &club, &format!("b@{prefix}.test"), "Bob B").await;
        let first = click(&app, club.host(), &a.code, None)
            .await
            .expect("cookie");
        // First click keeps the cookie it has: no new one is set.
        let second = click(&app, club.host(), &b.code, Some(&first)).await;
        let cookie = second.unwrap_or(first.clone());
        let (_, newcomer) = sign_up(
            &app,
            &club,
            &format!("n@{prefix}.test"),
            Some(&cookie),
            None,
        )
        .await;
        pay(&app, &club, newcomer.expect("account"), 1000).await;
        let written = lines(&app, &club).await;
        let expected = if expect_first {
            a.affiliate
        } else {
            b.affiliate
        };
        assert_eq!(written[0]["affiliate_id"], expected, "{attribution}");
    }
}

#[tokio::test]
async fn a_cookie_past_its_window_or_forged_attributes_nothing() {
    let app = app().await;
    let club = club(&app, "aff-expiry", json!({ "cookie_days": 30 })).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "flat", "amount_minor": 100 }),
    )
    .await;
    let member = affiliate(&app, &club, "eve@aff-expiry.test", "Eve Expired").await;
    let stale = Visit {
        code: member.code.clone(),
        click: uuid::Uuid::new_v4(),
        at: Utc::now() - Duration::days(31),
    };
    let name = if club.host().ends_with("localhost") {
        "__Host-ref"
    } else {
        "ref"
    };
    let value = stale.encode(&app.state.auth.keys, club.tenant().id);
    let (_, late) = sign_up(
        &app,
        &club,
        "late@aff-expiry.test",
        Some(&format!("{name}={value}")),
        None,
    )
    .await;
    pay(&app, &club, late.expect("account"), 1000).await;
    let forged = value.replace(&member.code, "someone-else");
    let (_, forger) = sign_up(
        &app,
        &club,
        "forger@aff-expiry.test",
        Some(&format!("{name}={forged}")),
        None,
    )
    .await;
    pay(&app, &club, forger.expect("account"), 1000).await;
    assert!(lines(&app, &club).await.is_empty(), "no commission");
    let referrals = scalar(&app, club.tenant(), "SELECT count(*) FROM aff_referrals").await;
    assert_eq!(referrals, 0);
    // A fresh cookie, by contrast, works.
    let fresh = Visit {
        at: Utc::now(),
        ..stale
    };
    let value = fresh.encode(&app.state.auth.keys, club.tenant().id);
    let (_, ok) = sign_up(
        &app,
        &club,
        "ok@aff-expiry.test",
        Some(&format!("{name}={value}")),
        None,
    )
    .await;
    pay(&app, &club, ok.expect("account"), 1000).await;
    assert_eq!(lines(&app, &club).await.len(), 1);
}

#[tokio::test]
async fn ref_on_any_page_becomes_the_short_link_and_an_unknown_code_is_a_404() {
    let app = app().await;
    let club = club(&app, "aff-param", json!({})).await;
    let member = affiliate(&app, &club, "pat@aff-param.test", "Pat Param").await;
    let page = visit(
        &app,
        club.host(),
        &format!("/projects?ref={}&x=1", member.code),
        None,
    )
    .await;
    assert_eq!(page.status(), 303);
    let to = page.headers()["location"].to_str().expect("location");
    assert_eq!(to, format!("/r/{}?to=%2Fprojects%3Fx%3D1", member.code));
    let short = visit(&app, club.host(), to, None).await;
    assert_eq!(short.status(), 303);
    assert_eq!(short.headers()["location"], "/projects?x=1");
    assert!(crate::affiliation_fixture::referral_cookie(&short).is_some());

    let unknown = visit(&app, club.host(), "/r/no-such-code", None).await;
    assert_eq!(unknown.status(), 404);
    assert!(crate::affiliation_fixture::referral_cookie(&unknown).is_none());
    // A stale ?ref= on a page still opens the page, without a cookie.
    let stale = visit(&app, club.host(), "/r/no-such-code?to=%2Fprojects", None).await;
    assert_eq!(stale.headers()["location"], "/projects");
    // An outside address in `to` is ignored.
    let outside = visit(
        &app,
        club.host(),
        &format!("/r/{}?to=https%3A%2F%2Fevil.example", member.code),
        None,
    )
    .await;
    assert_eq!(outside.headers()["location"], "/");
}
