//! The affiliate's pages, signed in with a session cookie: the dashboard,
//! links, statistics, referrals and payouts answer in French and English
//! with the affiliate's figures (and the people they brought by first name
//! and initial only); the forms (join, new link, bank details, payout
//! request) work with the page's CSRF token and do what they say.

use serde_json::json;
use tessera::auth::Role;

use crate::affiliation_fixture::{
    affiliate, app, club, later, pay, referred, rule, sign_up, sweep,
};
use crate::contributions_fixture::{PASSWORD, person, scalar};
use crate::helpers::api_client;
use crate::helpers::browser::{Browser, Page};

const PAGES: [&str; 5] = [
    "/affiliate/",
    "/affiliate/links/",
    "/affiliate/stats/",
    "/affiliate/referrals/",
    "/affiliate/payouts/",
];

fn flashed(page: &Page, kind: &str) -> bool {
    page.set_cookies
        .iter()
        .any(|c| c.starts_with(&format!("flash={kind}:")))
}

#[tokio::test]
async fn the_affiliates_pages_show_their_figures_in_french_and_english() {
    let app = app().await;
    let club = club(&app, "aff-pg-show", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 }),
    )
    .await;
    let amb = affiliate(&app, &club, "amb@aff-pg-show.test", "Alma Ambassador").await;
    let newcomer = referred(&app, &club, &amb.code, "nina@aff-pg-show.test").await;
    pay(&app, &club, newcomer, 4000).await;
    app.state.affiliation.clicks.flush().await;

    let mut browser = Browser::signed_in_as(&app, club.tenant(), amb.id, Role::Member).await;
    let cases = [
        ("fr", "En attente", "4,00\u{a0}€", "Filleuls"),
        ("en", "Pending", "€4.00", "Referrals"),
    ];
    for (lang, pending, money, referrals) in cases {
        browser.cookies.insert("lang".into(), lang.into());
        let mut bodies = Vec::new();
        for path in PAGES {
            let page = browser.get(path).await;
            assert_eq!(page.status, 200, "{lang} {path}: {}", page.body);
            bodies.push(page.body);
        }
        let [dashboard, links, stats, people, payouts] = &bodies[..] else {
            unreachable!("five pages");
        };
        for body in [dashboard, stats] {
            assert!(body.contains(pending), "{lang}: {body}");
            assert!(body.contains(money), "{lang}: {body}");
        }
        assert!(dashboard.contains("Friends bring friends"), "{dashboard}");
        assert!(
            dashboard.contains(&format!("/r/{}", amb.code)),
            "{dashboard}"
        );
        assert!(links.contains(&amb.code), "{links}");
        assert!(people.contains(referrals), "{lang}: {people}");
        assert!(people.contains("Nina N."), "{people}");
        assert!(
            payouts.contains(money),
            "{lang}: pending on the payouts page"
        );
        // Whom they brought, by first name and initial: never the surname.
        for (path, body) in PAGES.iter().zip(&bodies) {
            assert!(
                !body.contains("Newcomer"),
                "{lang} {path} names the referral"
            );
        }
    }
    let mine = api_client::get(
        &app,
        club.host(),
        "/api/v1/affiliate/commissions",
        Some(&amb.token),
    )
    .await;
    assert_eq!(mine.json[0]["referred_name"], "Nina N.");
}

#[tokio::test]
async fn the_affiliates_forms_join_make_a_link_save_the_bank_and_ask_for_a_payout() {
    let app = app().await;
    let club = club(&app, "aff-pg-forms", json!({})).await;
    rule(
        &app,
        &club,
        json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 }),
    )
    .await;
    let email = "mo@aff-pg-forms.test";
    let mo = person(&app, club.tenant(), email, "Mo Member", Role::Member, true).await;
    let mut browser = Browser::signed_in_as(&app, club.tenant(), mo, Role::Member).await;
    browser.cookies.insert("lang".into(), "en".into());
    let offer = browser.get("/affiliate/").await;
    assert_eq!(offer.status, 200);
    assert!(
        offer.body.contains("action=\"/affiliate/join\""),
        "{}",
        offer.body
    );

    let program = club.program.to_string();
    let forged = browser
        .post_raw("/affiliate/join", &[("program_id", &program)])
        .await;
    assert_eq!(forged.status, 403, "no token, no join");
    let joined = browser
        .post("/affiliate/join", &[("program_id", &program)])
        .await;
    assert_eq!(joined.status, 303);
    let to = format!("/affiliate/?program={}", club.program);
    assert_eq!(joined.location.as_deref(), Some(to.as_str()));
    assert!(flashed(&joined, "success"));
    let mine = format!("SELECT count(*) FROM aff_affiliates WHERE party_id = {mo}");
    assert_eq!(scalar(&app, club.tenant(), &mine).await, 1);

    // Someone signs up with the drawn code and pays; the commission matures.
    let (token, _) = api_client::login(&app, club.host(), email, PASSWORD).await;
    let links = api_client::get(&app, club.host(), "/api/v1/affiliate/links", Some(&token)).await;
    let code = links.json[0]["code"].as_str().expect("a first link");
    let (_, newcomer) = sign_up(&app, &club, "nina@aff-pg-forms.test", None, Some(code)).await;
    pay(&app, &club, newcomer.expect("account"), 4000).await;
    sweep(&app, &club, later(31)).await;

    let fields = [
        ("code", "Mo-Friends"),
        ("campaign", "spring"),
        ("destination", "/projects"),
    ];
    let made = browser.post("/affiliate/links/", &fields).await;
    assert_eq!(made.status, 303);
    assert!(flashed(&made, "success"));
    let link = "SELECT count(*) FROM aff_links
                WHERE code = 'mo-friends' AND campaign = 'spring' AND destination = '/projects'";
    assert_eq!(scalar(&app, club.tenant(), link).await, 1);
    assert!(
        browser
            .get("/affiliate/links/")
            .await
            .body
            .contains("mo-friends")
    );

    let early = browser.post("/affiliate/payouts/request", &[]).await;
    assert!(flashed(&early, "error"), "no bank details yet");
    let payouts = "SELECT count(*) FROM aff_payouts";
    assert_eq!(scalar(&app, club.tenant(), payouts).await, 0);

    let bank = [
        ("payee_name", "Mo Member"),
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("bic", ""),
    ];
    let saved = browser.post("/affiliate/payouts/bank", &bank).await;
    assert!(flashed(&saved, "success"));
    let page = browser.get("/affiliate/payouts/").await;
    assert!(page.body.contains("€4.00"), "available: {}", page.body);
    assert!(
        page.body.contains("DE89 •••• 3000"),
        "masked: {}",
        page.body
    );
    assert!(!page.body.contains("DE89370400440532013000"));

    let asked = browser.post("/affiliate/payouts/request", &[]).await;
    assert_eq!(asked.status, 303);
    assert!(flashed(&asked, "success"));
    let requested =
        "SELECT count(*) FROM aff_payouts WHERE amount_minor = 400 AND status = 'requested'";
    assert_eq!(scalar(&app, club.tenant(), requested).await, 1);
    let page = browser.get("/affiliate/payouts/").await;
    assert!(page.body.contains("€4.00 · requested"), "{}", page.body);
}
