//! The treasurer's desk over real HTTP: plans (a price change leaves
//! existing memberships alone, bad input writes nothing), the season
//! dashboard and its SVG, who may open `/treasury` at all. Settings and
//! households: `contributions_desk_setup`; payments:
//! `contributions_desk_payments`; tenants: `contributions_desk_isolation`;
//! Chromium at 360 px: `contributions_desk_browser`.

use std::sync::Arc;

use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::helpers::browser::{Browser, Page};
use crate::helpers::{TestApp, spawn_app};
use crate::staff::person;

/// Every desk page a GET reaches (ids that exist or not: the role is
/// checked first).
pub(crate) const PAGES: [&str; 12] = [
    "/treasury",
    "/treasury/plans",
    "/treasury/plans/new",
    "/treasury/plans/1",
    "/treasury/settings",
    "/treasury/households",
    "/treasury/households/new",
    "/treasury/payments/new",
    "/treasury/payments",
    "/treasury/members/expiring",
    "/treasury/members/lapsed",
    "/treasury/members/balances",
];

pub(crate) async fn treasurer<'a>(app: &'a TestApp, tenant: &Arc<Tenant>) -> (i64, Browser<'a>) {
    let id = person(
        app,
        tenant,
        "Théo Trésorier",
        "theo@example.org",
        Role::Treasurer,
    )
    .await;
    (
        id,
        Browser::signed_in_as(app, tenant, id, Role::Treasurer).await,
    )
}

/// The fields of a plan form: a yearly plan with the given price rows.
pub(crate) fn plan_fields<'a>(
    name: &'a str,
    tiers: &[(&'a str, &'a str, &'a str)],
) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("name", name),
        ("description", ""),
        ("period", "yearly"),
        ("anchor", "season"),
        ("pro_rata", "none"),
        ("max_instalments", "1"),
        ("household_pricing", "per_member"),
        ("tax_receipt_percent", "100"),
        ("position", "0"),
        ("public", "on"),
        ("open", "on"),
        ("upgrade_credit", "on"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (i, (code, label, amount)) in tiers.iter().enumerate() {
        fields.push((format!("tier_code_{i}"), (*code).to_owned()));
        fields.push((format!("tier_label_{i}"), (*label).to_owned()));
        fields.push((format!("tier_amount_{i}"), (*amount).to_owned()));
    }
    fields
}

pub(crate) async fn post_fields(
    browser: &mut Browser<'_>,
    path: &str,
    fields: &[(String, String)],
) -> Page {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.post(path, &pairs).await
}

pub(crate) async fn scalar(app: &TestApp, tenant: &Arc<Tenant>, sql: &str) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(tx.conn().await.unwrap())
        .await
        .unwrap()
}

/// A treasurer's new plan; its id.
pub(crate) async fn create_plan(browser: &mut Browser<'_>, name: &str, amount: &str) -> i64 {
    let fields = plan_fields(name, &[("standard", "Standard", amount)]);
    let page = post_fields(browser, "/treasury/plans/new", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.unwrap();
    location
        .trim_start_matches("/treasury/plans/")
        .parse()
        .unwrap()
}

/// A membership straight into the table (the memberships store is the
/// lead's; here it is only something a price change must not touch).
pub(crate) async fn membership(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    account: i64,
    plan: i64,
    minor: i64,
) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let today = chrono::Utc::now().date_naive();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO memberships (account_id, plan_id, payer_id, starts_on, ends_on, amount_minor, currency)
         VALUES ($1, $2, $1, $3, $3 + 364, $4, 'EUR') RETURNING id",
    )
    .bind(account)
    .bind(plan)
    .bind(today)
    .bind(minor)
    .fetch_one(tx.conn().await.unwrap())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn a_price_change_leaves_existing_memberships_alone() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-plans", "Desk Plans").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    let member = person(&app, &tenant, "Mia Membre", "mia@example.org", Role::Member).await;

    let fields = plan_fields(
        "Adhésion annuelle",
        &[("standard", "Normal", "12,50"), ("reduced", "Réduit", "6")],
    );
    let page = post_fields(&mut browser, "/treasury/plans/new", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let plan: i64 = page
        .location
        .unwrap()
        .trim_start_matches("/treasury/plans/")
        .parse()
        .unwrap();
    let tiers = "SELECT string_agg(code || '=' || amount_minor, ',' ORDER BY position) FROM plan_tiers WHERE archived_at IS NULL";
    let mut tx = app.tenant_tx(&tenant).await;
    let stored: String = sqlx::query_scalar(sqlx::AssertSqlSafe(tiers))
        .fetch_one(tx.conn().await.unwrap())
        .await
        .unwrap();
    drop(tx);
    assert_eq!(stored, "standard=1250,reduced=600");
    let id = membership(&app, &tenant, member, plan, 1250).await;

    let list = browser.get("/treasury/plans").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Adhésion annuelle"), "{}", list.body);
    let form = browser.get(&format!("/treasury/plans/{plan}")).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("value=\"12.50\""),
        "the stored price is shown"
    );
    assert!(
        form.body
            .contains("ne vaut que pour les nouvelles adhésions"),
        "the page says a price change only affects new memberships"
    );

    let fields = plan_fields(
        "Adhésion annuelle",
        &[("standard", "Normal", "15"), ("reduced", "Réduit", "6")],
    );
    let page = post_fields(&mut browser, &format!("/treasury/plans/{plan}"), &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let amount = scalar(
        &app,
        &tenant,
        &format!("SELECT amount_minor FROM memberships WHERE id = {id}"),
    )
    .await;
    assert_eq!(amount, 1250, "the membership keeps its amount");
    let price = scalar(
        &app,
        &tenant,
        "SELECT amount_minor FROM plan_tiers WHERE code = 'standard'",
    )
    .await;
    assert_eq!(price, 1500, "new memberships get the new price");

    let page = browser
        .post(&format!("/treasury/plans/{plan}/archive"), &[])
        .await;
    assert_eq!(page.status, 303);
    let archived = scalar(
        &app,
        &tenant,
        "SELECT count(*) FROM plans WHERE archived_at IS NOT NULL",
    )
    .await;
    assert_eq!(archived, 1);
}

#[tokio::test]
async fn bad_plans_get_a_message_and_nothing_is_written() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-bad", "Desk Bad").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    for (amount, message) in [
        ("-5", "ne peut pas être négatif"),
        ("12,345", "Trop de décimales"),
        ("douze", "Ce n’est pas un montant"),
        ("99999999999999999999", "trop grand"),
    ] {
        let fields = plan_fields("Adhésion", &[("standard", "Normal", amount)]);
        let page = post_fields(&mut browser, "/treasury/plans/new", &fields).await;
        assert_eq!(page.status, 422, "{amount}");
        assert!(page.body.contains(message), "{amount}: {}", page.body);
        assert!(
            page.body.contains(&format!("value=\"{amount}\"")),
            "typed value kept"
        );
    }
    let mut fields = plan_fields("Adhésion", &[("standard", "Normal", "10")]);
    fields[2].1 = "weekly".into();
    let page = post_fields(&mut browser, "/treasury/plans/new", &fields).await;
    assert_eq!(page.status, 422);
    let fields = plan_fields(" ", &[("standard", "Normal", "10")]);
    let page = post_fields(&mut browser, "/treasury/plans/new", &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("Donnez un nom"), "{}", page.body);
    assert_eq!(scalar(&app, &tenant, "SELECT count(*) FROM plans").await, 0);

    assert_eq!(
        browser.get("/treasury/plans/4242").await.status,
        404,
        "unknown plan"
    );
    let fields = plan_fields("X", &[("standard", "Normal", "10")]);
    assert_eq!(
        post_fields(&mut browser, "/treasury/plans/4242", &fields)
            .await
            .status,
        404
    );
    assert_eq!(browser.get("/treasury/plans/abc").await.status, 404);
}

#[tokio::test]
async fn members_and_editors_are_refused_everywhere() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-roles", "Desk Roles").await;
    let member = person(
        &app,
        &tenant,
        "Marie Membre",
        "marie@example.org",
        Role::Member,
    )
    .await;
    let editor = person(
        &app,
        &tenant,
        "Eddy Editor",
        "eddy@example.org",
        Role::Editor,
    )
    .await;
    let admin = person(&app, &tenant, "Ada Admin", "ada@example.org", Role::Admin).await;
    let mut anonymous = Browser::new(&app, &tenant).await;
    let mut as_member = Browser::signed_in_as(&app, &tenant, member, Role::Member).await;
    let mut as_editor = Browser::signed_in_as(&app, &tenant, editor, Role::Editor).await;
    for path in PAGES {
        let page = anonymous.get(path).await;
        assert_eq!(page.status, 303, "{path}");
        assert!(page.location.unwrap().starts_with("/accounts/login/"));
        assert_eq!(as_member.get(path).await.status, 403, "{path}");
        assert_eq!(as_editor.get(path).await.status, 403, "{path}");
    }
    for path in [
        "/treasury/plans/new",
        "/treasury/settings",
        "/treasury/payments/new",
        "/treasury/households/new",
    ] {
        assert_eq!(
            as_member.post(path, &[("name", "x")]).await.status,
            403,
            "{path}"
        );
        assert_eq!(
            as_editor.post(path, &[("name", "x")]).await.status,
            403,
            "{path}"
        );
    }
    assert_eq!(scalar(&app, &tenant, "SELECT count(*) FROM plans").await, 0);
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM households").await,
        0
    );

    // The staff page links to the desk for treasurers and admins only.
    let index = as_editor.get("/staff/").await;
    assert!(!index.body.contains("href=\"/treasury\""));
    let mut as_admin = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    assert!(
        as_admin
            .get("/staff/")
            .await
            .body
            .contains("href=\"/treasury\"")
    );
    assert_eq!(as_admin.get("/treasury").await.status, 200, "admins pass");
}

/// A paid payment straight into the table, received on `on`.
pub(crate) async fn paid(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    payer: i64,
    minor: i64,
    on: chrono::NaiveDate,
) {
    let mut tx = app.tenant_tx(tenant).await;
    sqlx::query(
        "INSERT INTO payments (payer_id, amount_minor, currency, method, status, received_on, paid_at)
         VALUES ($1, $2, 'EUR', 'cash', 'paid', $3, now())",
    )
    .bind(payer)
    .bind(minor)
    .bind(on)
    .execute(tx.conn().await.unwrap())
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_dashboard_draws_this_season() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-dash", "Desk Dash").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    let payer = person(
        &app,
        &tenant,
        "Paula Payeuse",
        "paula@example.org",
        Role::Member,
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    paid(&app, &tenant, payer, 123_450, today).await;
    paid(&app, &tenant, payer, 2_000, today).await;
    let year_ago = today.checked_sub_months(chrono::Months::new(12)).unwrap();
    paid(&app, &tenant, payer, 50_000, year_ago).await;

    let page = browser.get("/treasury").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("1\u{202f}254,50\u{a0}€"),
        "this season's total: {}",
        page.body
    );
    assert!(
        page.body.contains("500,00\u{a0}€"),
        "last season at the same date"
    );
    assert!(page.body.contains("<svg"), "a chart drawn on the server");
    assert!(
        page.body
            .contains("<rect class=\"chart__bar chart__bar--0\"")
    );
    assert!(page.body.contains("<title>"), "each bar says its value");
    // The charts need no JavaScript: the page's only script is the one
    // that registers the installable portal's service worker.
    assert_eq!(page.body.matches("<script").count(), 1, "no JavaScript");
    assert!(page.body.contains("js/app.js\" defer></script>"));
    browser.cookies.insert("lang".into(), "en".into());
    let page = browser.get("/treasury").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("€1,254.50"),
        "in English too: {}",
        page.body
    );
}
