//! The staff's affiliation pages, signed in as the treasurer: programmes,
//! one programme, affiliates, reviews and payouts answer in French and
//! English with their figures, and refuse a member (403). Their forms (add
//! a rule, decide a review, prepare a batch, mark it paid, ban) work with
//! the page's CSRF token; a refused one comes back as a flash and writes
//! nothing.

use serde_json::json;
use tessera::auth::Role;

use crate::affiliation_fixture::{
    Club, Member, affiliate, app, bank, club, later, pay, referred, request_payout, rule, sweep,
};
use crate::contributions_fixture::scalar;
use crate::helpers::TestApp;
use crate::helpers::browser::{Browser, Page};

/// A programme at 10 % whose affiliate asked for 4.00, has 2.00 pending,
/// and signed up once through their own link (a review is open).
async fn busy(app: &TestApp, prefix: &str) -> (Club, Member) {
    let club = club(app, prefix, json!({})).await;
    let terms = json!({ "stage": "sale", "reward": "percent", "basis_points": 1000 });
    rule(app, &club, terms).await;
    let amb = affiliate(app, &club, &format!("amb@{prefix}.test"), "Alma Ambassador").await;
    let newcomer = referred(app, &club, &amb.code, &format!("nina@{prefix}.test")).await;
    pay(app, &club, newcomer, 4000).await;
    sweep(app, &club, later(31)).await;
    bank(
        app,
        &club,
        amb.affiliate,
        "Alma Ambassador",
        "DE89 3704 0044 0532 0130 00",
    )
    .await;
    assert_eq!(request_payout(app, &club, &amb).await.status, 201);
    pay(app, &club, newcomer, 2000).await;
    referred(app, &club, &amb.code, &format!("amb+1@{prefix}.test")).await;
    (club, amb)
}

fn pages(club: &Club) -> [String; 5] {
    let one = format!("/staff/affiliation/programs/{}", club.program);
    [
        "/staff/affiliation/".to_owned(),
        one.clone(),
        format!("{one}/affiliates"),
        format!("{one}/reviews"),
        format!("{one}/payouts"),
    ]
}

fn flash(page: &Page) -> String {
    page.set_cookies
        .iter()
        .find_map(|c| c.strip_prefix("flash="))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned()
}

async fn treasurer<'a>(app: &'a TestApp, club: &Club) -> Browser<'a> {
    Browser::signed_in_as(app, club.tenant(), club.desk.treasurer, Role::Treasurer).await
}

#[tokio::test]
async fn the_staff_pages_show_the_figures_in_french_and_english_to_staff_only() {
    let app = app().await;
    let (club, amb) = busy(&app, "aff-pg-staff").await;
    let mut staff = treasurer(&app, &club).await;
    let cases = [
        (
            "fr",
            [
                "Programmes de parrainage",
                "Part du paiement",
                "2,00\u{a0}€",
            ],
            ["même adresse que le parrain", "à trancher", "4,00\u{a0}€"],
        ),
        (
            "en",
            ["Referral programmes", "Share of the payment", "€2.00"],
            ["same address as the affiliate", "to decide", "€4.00"],
        ),
    ];
    for (lang, [title, percent, pending], [reason, open, requested]) in cases {
        staff.cookies.insert("lang".into(), lang.into());
        let mut bodies = Vec::new();
        for path in pages(&club) {
            let page = staff.get(&path).await;
            assert_eq!(page.status, 200, "{lang} {path}: {}", page.body);
            bodies.push(page.body);
        }
        let [list, program, affiliates, reviews, payouts] = &bodies[..] else {
            unreachable!("five pages");
        };
        assert!(
            list.contains(title) && list.contains("Friends bring friends"),
            "{list}"
        );
        assert!(program.contains(percent), "{lang}: {program}");
        assert!(program.contains("10 %"), "{lang}: {program}");
        assert!(affiliates.contains("Alma Ambassador"), "{affiliates}");
        assert!(affiliates.contains(pending), "{lang}: {affiliates}");
        assert!(
            reviews.contains(reason) && reviews.contains(open),
            "{lang}: {reviews}"
        );
        assert!(payouts.contains("Alma Ambassador"), "{payouts}");
        assert!(payouts.contains(requested), "{lang}: {payouts}");
    }

    let mut member = Browser::signed_in_as(&app, club.tenant(), amb.id, Role::Member).await;
    for path in pages(&club) {
        assert_eq!(member.get(&path).await.status, 403, "{path}");
    }
    let rule = format!("{}/rules", pages(&club)[1]);
    let fields = [("stage", "sale"), ("reward", "flat"), ("value", "99")];
    assert_eq!(member.post(&rule, &fields).await.status, 403);
    let rules = scalar(&app, club.tenant(), "SELECT count(*) FROM aff_rules").await;
    assert_eq!(rules, 1);
}

#[tokio::test]
async fn the_staff_forms_add_a_rule_decide_batch_pay_and_ban() {
    let app = app().await;
    let (club, amb) = busy(&app, "aff-pg-sforms").await;
    let mut staff = treasurer(&app, &club).await;
    let [_, program, affiliates, reviews, payouts] = pages(&club);
    let count = |sql: &'static str| scalar(&app, club.tenant(), sql);

    let rules = format!("{program}/rules");
    let flat = [
        ("stage", "sale"),
        ("reward", "flat"),
        ("value", "2,50"),
        ("scope", "program"),
    ];
    let forged = staff.post_raw(&rules, &flat).await;
    assert_eq!(forged.status, 403);
    let added = staff.post(&rules, &flat).await;
    assert_eq!(added.status, 303);
    assert_eq!(flash(&added), "success:affiliation-flash-rule-added");
    assert_eq!(
        count("SELECT count(*) FROM aff_rules WHERE amount_minor = 250").await,
        1
    );
    let over = [("stage", "sale"), ("reward", "percent"), ("value", "150")];
    let refused = staff.post(&rules, &over).await;
    assert_eq!(refused.status, 303);
    assert_eq!(
        flash(&refused),
        "error:affiliation-staff-error-basis-points"
    );
    assert_eq!(count("SELECT count(*) FROM aff_rules").await, 2);

    let review = count("SELECT id FROM aff_reviews").await;
    let decide = format!("{reviews}/{review}");
    let rejected = staff
        .post(&decide, &[("decision", "reject"), ("note", "own address")])
        .await;
    assert_eq!(rejected.status, 303);
    assert_eq!(flash(&rejected), "success:affiliation-flash-decided");
    let decided =
        "SELECT count(*) FROM aff_reviews WHERE status = 'rejected' AND note = 'own address'";
    assert_eq!(count(decided).await, 1);

    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let past = staff
        .post(&payouts, &[("execution_date", "2000-01-01")])
        .await;
    assert_eq!(flash(&past), "error:affiliation-staff-error-execution-date");
    assert_eq!(count("SELECT count(*) FROM aff_payout_batches").await, 0);
    let prepared = staff.post(&payouts, &[("execution_date", &tomorrow)]).await;
    assert_eq!(flash(&prepared), "success:affiliation-flash-batch-prepared");
    let batch = count("SELECT id FROM aff_payout_batches").await;
    let paid = staff
        .post(
            &format!("{program}/batches/{batch}/paid"),
            &[("bank_reference", "VIR-2026-07")],
        )
        .await;
    assert_eq!(flash(&paid), "success:affiliation-flash-batch-paid");
    let done = "SELECT count(*) FROM aff_payouts WHERE status = 'paid' AND amount_minor = 400";
    assert_eq!(count(done).await, 1);
    assert_eq!(
        count("SELECT count(*) FROM aff_lines WHERE status = 'paid'").await,
        1
    );

    let ban = format!("{affiliates}/{}/ban", amb.affiliate);
    let no_reason = staff.post(&ban, &[("reason", " ")]).await;
    assert_eq!(flash(&no_reason), "error:affiliation-staff-error-reason");
    assert_eq!(
        count("SELECT count(*) FROM aff_affiliates WHERE status = 'banned'").await,
        0
    );
    let banned = staff.post(&ban, &[("reason", "bought clicks")]).await;
    assert_eq!(flash(&banned), "success:affiliation-flash-saved");
    let gone = "SELECT count(*) FROM aff_affiliates WHERE status = 'banned' AND ban_reason = 'bought clicks'";
    assert_eq!(count(gone).await, 1);
    let pending = "SELECT count(*) FROM aff_lines WHERE status = 'void' AND amount_minor = 200";
    assert_eq!(count(pending).await, 1, "the pending 2.00 is void");
    let page = staff.get(&affiliates).await;
    assert!(page.body.contains("/unban"), "{}", page.body);
}
