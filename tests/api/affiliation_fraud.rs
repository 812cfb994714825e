//! Self-referral checks and bans: an affiliate signing up through their
//! own link with a plus-address, or a newcomer from the affiliate's own
//! address or browser, goes to review with its lines held; staff reject
//! (the lines are void) or leave it, and at its deadline the hold releases.
//! A banned affiliate's links stop attributing and their unpaid lines are void.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::affiliation_fixture::{
    Club, Member, affiliate, app, club, later, lines, pay, referred, rule, sign_up_with, sweep,
};
use crate::contributions_fixture::scalar;
use crate::helpers::api_client;
use crate::helpers::browser::Browser;
use crate::helpers::{TestApp, shared_database, spawn_app_with, test_config};

/// A programme paying 10 % of each payment and 2.00 per sign-up.
async fn rewarding(app: &TestApp, prefix: &str, settings: Value) -> Club {
    let club = club(app, prefix, settings).await;
    let sale = json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 });
    rule(app, &club, sale).await;
    let lead = json!({ "stage": "lead", "reward": "flat", "amount_minor": 200 });
    rule(app, &club, lead).await;
    club
}

async fn reviews(app: &TestApp, club: &Club) -> Vec<Value> {
    let path = format!("/api/v1/affiliation/programs/{}/reviews", club.program);
    let reply = api_client::get(app, club.host(), &path, Some(club.token())).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    reply.json.as_array().cloned().unwrap_or_default()
}

async fn statuses(app: &TestApp, club: &Club) -> Vec<String> {
    let written = lines(app, club).await;
    written
        .iter()
        .map(|l| l["status"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn referral_status(app: &TestApp, club: &Club, party: i64) -> String {
    let sql = format!(
        "SELECT CASE status WHEN 'active' THEN 1 WHEN 'review' THEN 2 ELSE 3 END::bigint
         FROM aff_referrals WHERE party_id = {party}"
    );
    let code = scalar(app, club.tenant(), &sql).await;
    ["", "active", "review", "rejected"][code as usize].to_owned()
}

/// The affiliate signs up through their own link as `me+N@…`.
async fn self_referral(app: &TestApp, prefix: &str, settings: Value) -> (Club, Member, i64) {
    let club = rewarding(app, prefix, settings).await;
    let me = affiliate(app, &club, &format!("me@{prefix}.test"), "Max Myself").await;
    let newcomer = referred(app, &club, &me.code, &format!("me+1@{prefix}.test")).await;
    (club, me, newcomer)
}

#[tokio::test]
async fn a_plus_address_of_the_affiliate_is_held_in_review_and_rejecting_voids_it() {
    let app = app().await;
    let settings = json!({ "holding_days": 5, "review_days": 30 });
    let (club, _, newcomer) = self_referral(&app, "aff-fr-self", settings).await;
    assert_eq!(referral_status(&app, &club, newcomer).await, "review");
    let flagged = scalar(
        &app,
        club.tenant(),
        "SELECT count(*) FROM aff_reviews WHERE reasons = ARRAY['same_email'] AND status = 'open'",
    )
    .await;
    assert_eq!(flagged, 1);
    pay(&app, &club, newcomer, 4000).await;
    assert_eq!(
        statuses(&app, &club).await,
        ["held", "held"],
        "sale and lead"
    );

    // Past the holding period, a held line is still not due.
    sweep(&app, &club, later(6)).await;
    assert_eq!(statuses(&app, &club).await, ["held", "held"]);

    let queue = reviews(&app, &club).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["reasons"], json!(["same_email"]));
    assert_eq!(queue[0]["status"], "open");
    let path = format!(
        "/api/v1/affiliation/programs/{}/reviews/{}",
        club.program, queue[0]["id"]
    );
    let body = json!({ "approve": false, "note": "their own second address" });
    let decided = api_client::post(&app, club.host(), &path, &body, Some(club.token())).await;
    assert_eq!(decided.status, 204, "{:?}", decided.json);
    assert_eq!(statuses(&app, &club).await, ["void", "void"]);
    assert_eq!(referral_status(&app, &club, newcomer).await, "rejected");
    // A rejected referral earns nothing more.
    pay(&app, &club, newcomer, 4000).await;
    assert_eq!(lines(&app, &club).await.len(), 2);
    assert_eq!(reviews(&app, &club).await[0]["status"], "rejected");
}

#[tokio::test]
async fn an_undecided_review_releases_its_hold_at_the_deadline() {
    let app = app().await;
    let settings = json!({ "holding_days": 40, "review_days": 14 });
    let (club, _, newcomer) = self_referral(&app, "aff-fr-release", settings).await;
    pay(&app, &club, newcomer, 4000).await;
    sweep(&app, &club, later(13)).await;
    assert_eq!(statuses(&app, &club).await, ["held", "held"]);

    sweep(&app, &club, later(15)).await;
    assert_eq!(reviews(&app, &club).await[0]["status"], "released");
    assert_eq!(referral_status(&app, &club, newcomer).await, "active");
    assert_eq!(statuses(&app, &club).await, ["pending", "pending"]);

    sweep(&app, &club, later(41)).await;
    assert_eq!(statuses(&app, &club).await, ["due", "due"]);
}

#[tokio::test]
async fn a_newcomer_from_the_affiliates_own_browser_goes_to_review() {
    let app = app().await;
    let club = rewarding(&app, "aff-fr-device", json!({})).await;
    let me = affiliate(&app, &club, "dora@aff-fr-device.test", "Dora Device").await;
    // The affiliate opens their dashboard with the browser the newcomer
    // will sign up from (the fixture's sign-up user agent, same address).
    let mut browser = Browser::signed_in_as(&app, club.tenant(), me.id, Role::Member).await;
    let request = app
        .http
        .get(browser.url("/affiliate/"))
        .header("user-agent", "Mozilla/5.0 (newcomer)");
    assert_eq!(browser.send(request).await.status, 200);

    let newcomer = referred(&app, &club, &me.code, "friend@elsewhere.test").await;
    assert_eq!(referral_status(&app, &club, newcomer).await, "review");
    let queue = reviews(&app, &club).await;
    assert_eq!(queue[0]["reasons"], json!(["same_ip", "same_device"]));
    assert_eq!(statuses(&app, &club).await, ["held"], "the lead reward");
}

#[tokio::test]
async fn the_same_address_and_the_same_browser_are_told_apart() {
    let mut config = test_config();
    config.api.rate_per_second = 10_000;
    config.api.rate_burst = 10_000;
    config.http.trust_forwarded_for = true;
    let app = spawn_app_with(shared_database().await, config).await;
    let club = rewarding(&app, "aff-fr-apart", json!({})).await;
    let me = affiliate(&app, &club, "ida@aff-fr-apart.test", "Ida Apart").await;
    let laptop = "Mozilla/5.0 (the affiliate's laptop)";
    let mut browser = Browser::signed_in_as(&app, club.tenant(), me.id, Role::Member).await;
    let request = app
        .http
        .get(browser.url("/affiliate/payouts/"))
        .header("user-agent", laptop)
        .header("x-forwarded-for", "203.0.113.9");
    assert_eq!(browser.send(request).await.status, 200);

    let cases = [
        (
            "a@aff-fr-apart.test",
            "198.51.100.1",
            laptop,
            json!(["same_device"]),
        ),
        (
            "b@aff-fr-apart.test",
            "203.0.113.9",
            "Other/1.0",
            json!(["same_ip"]),
        ),
        ("c@aff-fr-apart.test", "192.0.2.1", "Other/1.0", Value::Null),
    ];
    for (email, ip, agent, reasons) in cases {
        let headers = [("user-agent", agent), ("x-forwarded-for", ip)];
        let (reply, id) = sign_up_with(&app, &club, email, None, Some(&me.code), &headers).await;
        assert_eq!(reply.status, 202, "{:?}", reply.json);
        let party = id.expect("account made");
        let sql = format!(
            "SELECT coalesce(max(v.id), 0) FROM aff_reviews v JOIN aff_referrals r ON r.id = v.referral_id
             WHERE r.party_id = {party}"
        );
        let review = scalar(&app, club.tenant(), &sql).await;
        let found = reviews(&app, &club).await;
        let got = found
            .iter()
            .find(|v| v["id"] == review)
            .map_or(Value::Null, |v| v["reasons"].clone());
        assert_eq!(got, reasons, "{email}");
    }
}

#[tokio::test]
async fn a_banned_affiliates_links_stop_and_their_unpaid_lines_are_void() {
    let app = app().await;
    let club = rewarding(&app, "aff-fr-ban", json!({})).await;
    let bad = affiliate(&app, &club, "bob@aff-fr-ban.test", "Bob Banned").await;
    let newcomer = referred(&app, &club, &bad.code, "nina@aff-fr-ban.test").await;
    pay(&app, &club, newcomer, 4000).await;
    sweep(&app, &club, later(31)).await;
    pay(&app, &club, newcomer, 2000).await;
    assert_eq!(statuses(&app, &club).await, ["pending", "due", "due"]);

    let mut staff =
        Browser::signed_in_as(&app, club.tenant(), club.desk.treasurer, Role::Treasurer).await;
    let path = format!(
        "/staff/affiliation/programs/{}/affiliates/{}/ban",
        club.program, bad.affiliate
    );
    let banned = staff.post(&path, &[("reason", "bought clicks")]).await;
    assert_eq!(banned.status, 303, "{}", banned.body);
    assert_eq!(statuses(&app, &club).await, ["void", "void", "void"]);

    let short =
        crate::affiliation_fixture::visit(&app, club.host(), &format!("/r/{}", bad.code), None)
            .await;
    assert_eq!(short.status(), 404, "the link no longer attributes");
    let (typed, none) = crate::affiliation_fixture::sign_up(
        &app,
        &club,
        "late@aff-fr-ban.test",
        None,
        Some(&bad.code),
    )
    .await;
    assert_eq!(typed.status, 422);
    assert_eq!(none, None);
    // Someone they brought before pays again: nothing is written for them.
    pay(&app, &club, newcomer, 1000).await;
    assert_eq!(lines(&app, &club).await.len(), 3);
    let link = api_client::post(
        &app,
        club.host(),
        "/api/v1/affiliate/links",
        &json!({ "code": "second-chance" }),
        Some(&bad.token),
    )
    .await;
    assert_eq!(link.status, 409, "{:?}", link.json);
}
