//! The desk's settings page (season, reminders, bank details, status
//! rules: saved whole or refused whole) and households made from member
//! searches, over real HTTP.

use tessera::auth::Role;

use crate::contributions_desk::{scalar, treasurer};
use crate::helpers::spawn_app;
use crate::staff::person;

#[tokio::test]
async fn settings_and_status_rules_are_saved_or_refused_whole() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-settings", "Desk Settings").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    let page = browser.get("/treasury/settings").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("30, 7, -7, -30"), "{}", page.body);

    let bad = [
        ("season_start_month", "1"),
        ("reminder_days", "15, -15"),
        ("iban", "FR00 1234"),
    ];
    let page = browser.post("/treasury/settings", &bad).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Cet IBAN n’est pas valable"),
        "{}",
        page.body
    );
    assert_eq!(
        scalar(
            &app,
            &tenant,
            "SELECT season_start_month::bigint FROM contribution_settings"
        )
        .await,
        9
    );

    let good = [
        ("season_start_month", "1"),
        ("reminder_days", "15, -15"),
        ("weekly_digest", "on"),
        ("bank_account_holder", "Club"),
        ("iban", "FR14 2004 1010 0505 0001 3M02 606"),
        ("bic", ""),
    ];
    let page = browser.post("/treasury/settings", &good).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        scalar(
            &app,
            &tenant,
            "SELECT season_start_month::bigint FROM contribution_settings"
        )
        .await,
        1
    );
    let page = browser.get("/treasury/settings").await;
    assert!(page.body.contains("FR1420041010050500013M02606"));

    let rules = [
        ("rule_status_0", "current"),
        ("rule_from_event_0", "start"),
        ("rule_from_days_0", "0"),
        ("rule_to_event_0", "end"),
        ("rule_to_days_0", "10"),
        ("rule_status_1", "expired"),
        ("rule_from_event_1", "end"),
        ("rule_from_days_1", "abc"),
        ("rule_to_event_1", ""),
        ("rule_to_days_1", ""),
    ];
    let page = browser.post("/treasury/settings/rules", &rules).await;
    assert_eq!(page.status, 422, "row 2 is wrong");
    assert_eq!(
        scalar(
            &app,
            &tenant,
            "SELECT count(*) FROM membership_status_rules"
        )
        .await,
        4
    );
    let mut rules = rules;
    rules[7].1 = "11";
    let page = browser.post("/treasury/settings/rules", &rules).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        scalar(
            &app,
            &tenant,
            "SELECT count(*) FROM membership_status_rules"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn households_are_made_from_searches() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-homes", "Desk Homes").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    let payer = person(
        &app,
        &tenant,
        "Paul Durand",
        "paul@example.org",
        Role::Member,
    )
    .await;
    let child = person(&app, &tenant, "Léa Durand", "lea@example.org", Role::Member).await;

    let page = browser.get("/treasury/households/new?q=durand").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("/treasury/households/new?payer={payer}"))
    );
    assert!(page.body.contains("autofocus"), "the search has the focus");
    let page = browser
        .get(&format!("/treasury/households/new?payer={payer}"))
        .await;
    assert!(page.body.contains("Paul Durand"));
    let page = browser
        .post(
            "/treasury/households/new",
            &[("payer", &payer.to_string()), ("name", "")],
        )
        .await;
    assert_eq!(page.status, 422);
    let page = browser
        .post(
            "/treasury/households/new",
            &[("payer", &payer.to_string()), ("name", "Famille Durand")],
        )
        .await;
    assert_eq!(page.status, 303);
    let path = page.location.unwrap();
    let page = browser.get(&format!("{path}?q=l%C3%A9a")).await;
    assert!(page.body.contains("Léa Durand"));
    let page = browser
        .post(
            &format!("{path}/add"),
            &[("account_id", &child.to_string())],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM household_members").await,
        2
    );
    let page = browser
        .post(
            &format!("{path}/remove"),
            &[("account_id", &payer.to_string())],
        )
        .await;
    assert_eq!(page.status, 303, "refused with a message");
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM household_members").await,
        2
    );
    let page = browser
        .post(
            &format!("{path}/remove"),
            &[("account_id", &child.to_string())],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM household_members").await,
        1
    );
    assert!(
        browser
            .get("/treasury/households")
            .await
            .body
            .contains("Famille Durand")
    );
}
