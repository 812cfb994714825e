//! SEPA direct debit through the pages, without JavaScript: the
//! treasurer's settings form (a wrong ICS is marked, nothing written), the
//! member's mandate form with the legal wording, the mailed code typed on
//! the confirmation page, the mandate in the treasurer's list.

use tessera::auth::Role;

use crate::account_flow::{mailing_config, nth_mail};
use crate::contributions_fixture::{desk, person, scalar};
use crate::direct_debit::code_of;
use crate::helpers::browser::Browser;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::{migrated_database, spawn_app_with};

#[tokio::test]
async fn the_pages_sign_a_mandate_without_javascript() {
    let sink = SmtpSink::start();
    let app = spawn_app_with(migrated_database().await, mailing_config(&sink)).await;
    let desk = desk(&app, "sdd-pages").await;
    let member = person(
        &app,
        &desk.tenant,
        "li@sdd-pages.test",
        "Li Wei",
        Role::Member,
        true,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, member, Role::Member).await;
    let before = browser.get("/membership/direct-debit").await;
    assert_eq!(before.status, 200);
    assert!(
        !before.body.contains("name=\"iban\""),
        "no form before the settings"
    );

    let mut treasurer =
        Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let bad = treasurer
        .post(
            "/treasury/direct-debit",
            &[
                ("creditor_id", "FR00ZZZ123456"),
                ("name", "Club"),
                ("town", "Sète"),
                ("country", "FR"),
                ("iban", "FR7630006000011234567890189"),
                ("lead_days", "2"),
                ("notice_days", "14"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    let good = treasurer
        .post(
            "/treasury/direct-debit",
            &[
                ("creditor_id", "FR72ZZZ123456"),
                ("name", "Club"),
                ("town", "Sète"),
                ("country", "FR"),
                ("iban", "FR7630006000011234567890189"),
                ("lead_days", "2"),
                ("notice_days", "14"),
            ],
        )
        .await;
    assert_eq!(good.status, 303, "{}", good.body);

    let form = browser.get("/membership/direct-debit").await;
    assert!(
        form.body.contains("8 semaines") || form.body.contains("8 weeks"),
        "the legal wording"
    );
    assert!(form.body.contains("FR72ZZZ123456"));
    let fields = [
        ("kind", "recurrent"),
        ("debtor_name", "Li Wei"),
        ("town", "Sète"),
        ("country", "FR"),
        ("iban", "DE89370400440532013000"),
    ];
    let unaccepted = browser.post("/membership/direct-debit", &fields).await;
    assert_eq!(unaccepted.status, 422);
    assert_eq!(
        scalar(&app, &desk.tenant, "SELECT count(*) FROM sdd_mandates").await,
        0
    );
    let mut accepted = fields.to_vec();
    accepted.push(("accept", "yes"));
    let started = browser.post("/membership/direct-debit", &accepted).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let confirm = started.location.clone().expect("to the code form");
    assert!(confirm.ends_with("/confirm"));
    let code = code_of(&nth_mail(&sink, 1).await.text);
    assert_eq!(browser.get(&confirm).await.status, 200);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert_eq!(browser.post(&confirm, &[("code", wrong)]).await.status, 422);
    let signed = browser.post(&confirm, &[("code", &code)]).await;
    assert_eq!(signed.status, 303);
    let sql = "SELECT count(*) FROM sdd_mandates WHERE status = 'active' AND code_attempts = 1";
    assert_eq!(scalar(&app, &desk.tenant, sql).await, 1);
    let listed = treasurer.get("/treasury/direct-debit").await;
    assert!(
        listed.body.contains("Li Wei") && listed.body.contains("DE89 •••• 3000"),
        "{}",
        listed.body
    );
}
