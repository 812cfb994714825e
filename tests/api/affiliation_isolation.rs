//! Two associations' programmes stay apart: A's codes are unknown on B's
//! host (404 for the short link, 422 at sign-up), A's referral cookie reads
//! as none on B even where B has a link of the same code, A's ids are 404s
//! through B's API and staff pages, and tokens do not cross hosts.

use serde_json::json;
use tessera::auth::Role;

use crate::affiliation_fixture::{
    Club, affiliate, app, bank, click, club, later, lines, pay, prepare_batch, referral_cookie,
    referred, request_payout, rule, sign_up, sweep, visit,
};
use crate::contributions_fixture::scalar;
use crate::helpers::TestApp;
use crate::helpers::api_client;
use crate::helpers::browser::Browser;

async fn count(app: &TestApp, club: &Club, table: &str) -> i64 {
    scalar(app, club.tenant(), &format!("SELECT count(*) FROM {table}")).await
}

async fn paying_club(app: &TestApp, prefix: &str) -> Club {
    let club = club(app, prefix, json!({})).await;
    let terms = json!({ "stage": "sale", "reward": "flat", "amount_minor": 100 });
    rule(app, &club, terms).await;
    club
}

#[tokio::test]
async fn codes_and_cookies_of_one_association_attribute_nothing_on_another() {
    let app = app().await;
    let a = paying_club(&app, "aff-iso-ca").await;
    let b = paying_club(&app, "aff-iso-cb").await;
    let amy = affiliate(&app, &a, "amy@aff-iso-ca.test", "Amy of A").await;
    let ben = affiliate(&app, &b, "ben@aff-iso-cb.test", "Ben of B").await;
    for (club, who) in [(&a, &amy), (&b, &ben)] {
        let made = api_client::post(
            &app,
            club.host(),
            "/api/v1/affiliate/links",
            &json!({ "code": "bring-a-friend" }),
            Some(&who.token),
        )
        .await;
        assert_eq!(made.status, 201, "one code in each association's books");
    }

    // Amy's link was just followed on A (and is remembered there).
    click(&app, a.host(), &amy.code, None)
        .await
        .expect("a cookie on A");
    let short = visit(&app, b.host(), &format!("/r/{}", amy.code), None).await;
    assert_eq!(short.status(), 404);
    assert!(referral_cookie(&short).is_none());
    let accounts = count(&app, &b, "accounts").await;
    let (typed, none) = sign_up(&app, &b, "t@aff-iso-cb.test", None, Some(&amy.code)).await;
    assert_eq!(typed.status, 422, "{:?}", typed.json);
    assert!(typed.is_problem());
    assert_eq!(none, None);
    assert_eq!(count(&app, &b, "accounts").await, accounts);

    // A's cookie for « bring-a-friend », sent to B, where that code is Ben's.
    let cookie = click(&app, a.host(), "bring-a-friend", None)
        .await
        .expect("a cookie on A");
    let (reply, newcomer) = sign_up(&app, &b, "c@aff-iso-cb.test", Some(&cookie), None).await;
    assert_eq!(reply.status, 202);
    pay(&app, &b, newcomer.expect("account on B"), 1000).await;
    assert_eq!(count(&app, &b, "aff_referrals").await, 0);
    assert_eq!(count(&app, &b, "aff_lines").await, 0);
    // On A, the same cookie is a referral of Amy's.
    let (_, on_a) = sign_up(&app, &a, "c@aff-iso-ca.test", Some(&cookie), None).await;
    pay(&app, &a, on_a.expect("account on A"), 1000).await;
    let written = lines(&app, &a).await;
    assert_eq!(written.len(), 1);
    assert_eq!(written[0]["affiliate_id"], amy.affiliate);
}

#[tokio::test]
async fn one_associations_ids_and_tokens_mean_nothing_on_another() {
    let app = app().await;
    let a = paying_club(&app, "aff-iso-ia").await;
    let b = paying_club(&app, "aff-iso-ib").await;
    affiliate(&app, &b, "ben@aff-iso-ib.test", "Ben of B").await;
    let second = api_client::post(
        &app,
        a.host(),
        "/api/v1/affiliation/programs",
        &json!({ "name": "A's second programme" }),
        Some(a.token()),
    )
    .await;
    let program = second.json["id"].as_i64().expect("program id");
    assert_ne!(program, b.program, "an id B does not have");
    affiliate(&app, &a, "amy@aff-iso-ia.test", "Amy of A").await;
    let ava = affiliate(&app, &a, "ava@aff-iso-ia.test", "Ava of A").await;
    let newcomer = referred(&app, &a, &ava.code, "n@aff-iso-ia.test").await;
    pay(&app, &a, newcomer, 1000).await;
    sweep(&app, &a, later(31)).await;
    bank(
        &app,
        &a,
        ava.affiliate,
        "Ava of A",
        "DE89 3704 0044 0532 0130 00",
    )
    .await;
    assert_eq!(request_payout(&app, &a, &ava).await.status, 201);
    let batch = prepare_batch(&app, &a).await;

    let staff = format!("/api/v1/affiliation/programs/{program}");
    for path in [
        staff.clone(),
        format!("{staff}/rules"),
        format!("{staff}/commissions"),
        format!("{staff}/reviews"),
        format!("{staff}/batches"),
        format!(
            "/api/v1/affiliation/programs/{}/batches/{batch}/transfers.xml",
            b.program
        ),
    ] {
        let reply = api_client::get(&app, b.host(), &path, Some(b.token())).await;
        assert_eq!(reply.status, 404, "{path}: {:?}", reply.json);
    }
    let body = json!({ "name": "Taken over" });
    let patched = api_client::call(&app, "PATCH", b.host(), &staff, &body, Some(b.token())).await;
    assert_eq!(patched.status, 404);

    let foreign = api_client::get(
        &app,
        a.host(),
        "/api/v1/affiliation/programs",
        Some(b.token()),
    )
    .await;
    assert!([401, 403].contains(&foreign.status), "{foreign:?}");
    let member = api_client::get(&app, b.host(), "/api/v1/affiliate/links", Some(&ava.token)).await;
    assert_eq!(member.status, 401, "{member:?}");

    let mut pages =
        Browser::signed_in_as(&app, b.tenant(), b.desk.treasurer, Role::Treasurer).await;
    let page = format!("/staff/affiliation/programs/{program}");
    for path in [
        page.clone(),
        format!("{page}/affiliates"),
        format!("{page}/reviews"),
        format!("{page}/payouts"),
    ] {
        assert_eq!(pages.get(&path).await.status, 404, "{path}");
    }
    let ban = format!(
        "/staff/affiliation/programs/{}/affiliates/{}/ban",
        b.program, ava.affiliate
    );
    assert_eq!(
        pages.post(&ban, &[("reason", "not ours")]).await.status,
        404
    );
    let file = format!(
        "/staff/affiliation/programs/{}/batches/{batch}/transfers.csv",
        b.program
    );
    assert_eq!(pages.get(&file).await.status, 404);

    // A's books are as they were.
    let banned = "SELECT count(*) FROM aff_affiliates WHERE status = 'banned'";
    assert_eq!(scalar(&app, a.tenant(), banned).await, 0);
    assert_eq!(
        count(&app, &a, "aff_payout_batches WHERE status = 'open'").await,
        1
    );
    let named = "SELECT count(*) FROM aff_programs WHERE name = 'Taken over'";
    assert_eq!(scalar(&app, a.tenant(), named).await, 0);
}
