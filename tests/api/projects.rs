//! Projects over real HTTP, the gauge: it is fed by payments the treasurer
//! earmarks for the project (the desk's form or `POST /api/v1/payments`
//! with `project_id`), goes back on a refund, ignores pending payments and
//! payments that are not earmarked; a donation pays no membership and
//! leaves the donor's ledger balanced. Comments and volunteers:
//! `projects_social`; visibility, bad input, tenants: `projects_access`.

use serde_json::json;
use tessera::auth::Role;
use tessera::contributions::{memberships, payments};
use tessera::seed;

use crate::api_auth::PASSWORD;
use crate::contributions_desk::{create_plan, membership, scalar, treasurer};
use crate::contributions_fixture::Desk;
use crate::contributions_payments::post_keyed;
use crate::helpers::api_client::{get, login};
use crate::helpers::browser::{Browser, create_account};
use crate::helpers::spawn_app;
use crate::projects_fixture::{editor, gauge, open_project};
use crate::staff::person;

/// The treasurer's desk form for a cash payment of `amount` by `payer`,
/// earmarked for `project` when given.
async fn record(browser: &mut Browser<'_>, payer: i64, amount: &str, project: Option<i64>) -> i64 {
    let payer = payer.to_string();
    let project = project.map(|p| p.to_string()).unwrap_or_default();
    let today = memberships::today().to_string();
    let fields = [
        ("payer", payer.as_str()),
        ("method", "cash"),
        ("amount", amount),
        ("received_on", today.as_str()),
        ("project_id", project.as_str()),
    ];
    let page = browser.post("/treasury/payments/new", &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.expect("a redirect");
    location
        .trim_start_matches("/treasury/payments/")
        .parse()
        .expect("a payment id")
}

#[tokio::test]
async fn the_gauge_moves_with_earmarked_payments_and_back_with_refunds_only() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-gauge", "Vélo Club").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let (_, mut desk) = treasurer(&app, &tenant).await;
    let id = open_project(
        &mut editor,
        "Nouveau local vélo",
        &[
            ("goal", "3 000"),
            ("summary", "Un local pour réparer ensemble"),
        ],
    )
    .await;
    assert_eq!(gauge(&app, &host, id).await, (0, 0));

    // The donor owes 30 € of dues: a payment that is not earmarked pays them.
    let donor = person(
        &app,
        &tenant,
        "Dora Donatrice",
        "dora@example.org",
        Role::Member,
    )
    .await;
    let plan = create_plan(&mut desk, "Adhésion", "30").await;
    let dues = membership(&app, &tenant, donor, plan, 3000).await;

    // The desk offers the open project, and records an earmarked donation.
    let form = desk
        .get(&format!("/treasury/payments/new?payer={donor}"))
        .await;
    assert!(form.body.contains("Nouveau local vélo"), "{}", form.body);
    let gift = record(&mut desk, donor, "150", Some(id)).await;
    assert_eq!(gauge(&app, &host, id).await, (15_000, 1));
    let page = app.get_text(&host, "/projects/nouveau-local-velo").await.1;
    assert!(page.contains("150,00\u{a0}€"), "{page}");
    assert!(
        page.contains("<progress") && page.contains("value=\"5\""),
        "{page}"
    );
    let list = app.get_text(&host, "/projects").await.1;
    assert!(list.contains("3\u{202f}000,00\u{a0}€"), "{list}");

    // A donation pays no membership; its ledger lines cancel out.
    let allocated = format!("SELECT count(*) FROM payment_allocations WHERE payment_id = {gift}");
    assert_eq!(scalar(&app, &tenant, &allocated).await, 0);
    let lines = format!(
        "SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_entries WHERE payment_id = {gift}"
    );
    assert_eq!(scalar(&app, &tenant, &lines).await, 0);
    let kinds = format!(
        "SELECT count(*) FROM ledger_entries WHERE payment_id = {gift} AND kind = 'donation'"
    );
    assert_eq!(scalar(&app, &tenant, &kinds).await, 1);
    let paid = format!("SELECT count(*) FROM payment_allocations WHERE membership_id = {dues}");
    assert_eq!(
        scalar(&app, &tenant, &paid).await,
        0,
        "the dues are still owed"
    );

    // A payment that is not earmarked pays the dues and leaves the gauge.
    let dues_payment = record(&mut desk, donor, "30", None).await;
    assert_eq!(scalar(&app, &tenant, &paid).await, 1);
    assert_eq!(gauge(&app, &host, id).await, (15_000, 1));
    let shown = desk.get(&format!("/treasury/payments/{gift}")).await;
    assert!(shown.body.contains("Nouveau local vélo"), "{}", shown.body);
    assert!(dues_payment > gift);

    // A refund of part of the gift takes it off the gauge, balanced again.
    let refund = desk
        .post(
            &format!("/treasury/payments/{gift}/refund"),
            &[("amount", "50"), ("reason", "erreur de montant")],
        )
        .await;
    assert_eq!(refund.status, 303, "{}", refund.body);
    assert_eq!(gauge(&app, &host, id).await, (10_000, 1));
    assert_eq!(scalar(&app, &tenant, &lines).await, 0);
    // The donor's balance holds only the dues payment (the fixture's
    // membership has no charge line): the gift and its refund add nothing.
    let balance = format!(
        "SELECT coalesce(sum(amount_minor), 0)::bigint FROM ledger_entries WHERE account_id = {donor}"
    );
    assert_eq!(scalar(&app, &tenant, &balance).await, -3000);
    // The whole rest given back: the donor no longer counts.
    let rest = desk
        .post(
            &format!("/treasury/payments/{gift}/refund"),
            &[("amount", "100"), ("reason", "projet reporté")],
        )
        .await;
    assert_eq!(rest.status, 303, "{}", rest.body);
    assert_eq!(gauge(&app, &host, id).await, (0, 0));
    assert_eq!(scalar(&app, &tenant, &lines).await, 0);
}

#[tokio::test]
async fn the_api_earmarks_payments_and_pending_ones_do_not_count() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-api-pay", "Vélo API").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let id = open_project(&mut editor, "Remorque", &[("goal", "800")]).await;
    let treasurer = create_account(&app, &tenant, "t@example.org", PASSWORD, Role::Treasurer).await;
    let (token, _) = login(&app, &host, "t@example.org", PASSWORD).await;
    let desk = Desk {
        tenant: tenant.clone(),
        host: host.clone(),
        treasurer,
        token,
    };
    let donor = person(
        &app,
        &tenant,
        "Paul Payeur",
        "paul@example.org",
        Role::Member,
    )
    .await;
    let body = |status: &str| {
        json!({ "payer_id": donor, "amount": { "minor": 20_000, "currency": "EUR" },
                "method": "transfer", "status": status, "project_id": id })
    };
    let pending = post_keyed(
        &app,
        &desk,
        "/api/v1/payments",
        &body("pending"),
        Some("p-1"),
    )
    .await;
    assert_eq!(pending.status, 201, "{:?}", pending.json);
    assert_eq!(pending.json["project_id"], id);
    assert_eq!(
        gauge(&app, &host, id).await,
        (0, 0),
        "pending counts for nothing"
    );
    let paid = post_keyed(&app, &desk, "/api/v1/payments", &body("paid"), Some("p-2")).await;
    assert_eq!(paid.status, 201, "{:?}", paid.json);
    assert_eq!(gauge(&app, &host, id).await, (20_000, 1));
    let page = app.get_text(&host, &format!("/projects/{id}")).await.1;
    assert!(page.contains("value=\"25\""), "a quarter of 800 €: {page}");

    // The pending transfer arrives (the payments core marks it paid).
    let pending_id = pending.json["id"].as_i64().expect("id");
    let mut tx = app.tenant_tx(&tenant).await;
    payments::mark_paid(&mut tx, pending_id, Some(treasurer))
        .await
        .expect("paid");
    tx.commit().await.expect("commit");
    assert_eq!(gauge(&app, &host, id).await, (40_000, 1));
    let donations = "SELECT count(*) FROM ledger_entries WHERE kind = 'donation'";
    assert_eq!(scalar(&app, &tenant, donations).await, 2);
}

#[tokio::test]
async fn the_demo_project_has_a_gauge_fed_by_its_donations() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-demo", "Club Démo").await;
    let host = tenant.default_host.to_string();
    create_account(&app, &tenant, "t@example.test", PASSWORD, Role::Treasurer).await;
    for n in 1..=3 {
        let email = format!("m{n}@example.test");
        create_account(&app, &tenant, &email, PASSWORD, Role::Member).await;
    }
    let mut tx = app.tenant_tx(&tenant).await;
    assert!(
        seed::contributions::seed_tenant(&mut tx)
            .await
            .expect("contributions")
    );
    assert!(
        seed::projects::seed_tenant(&mut tx)
            .await
            .expect("projects")
    );
    assert!(
        !seed::projects::seed_tenant(&mut tx).await.expect("again"),
        "seeded once"
    );
    tx.commit().await.expect("commit");

    let shown = get(&app, &host, "/api/v1/projects/nouveau-local-velo", None).await;
    assert_eq!(shown.json["raised"]["minor"], 73_000, "{:?}", shown.json);
    assert_eq!(
        (
            shown.json["donors"].as_i64(),
            shown.json["percent"].as_i64()
        ),
        (Some(3), Some(24))
    );
    assert_eq!(shown.json["volunteers"], 2);
    let (_, page) = app.get_text(&host, "/projects/nouveau-local-velo").await;
    assert!(
        page.contains("Le bail est signé") && page.contains("perceuse"),
        "{page}"
    );
    let (_, list) = app.get_text(&host, "/projects").await;
    assert!(!list.contains("Vercors"), "members only: {list}");
    let donations = "SELECT coalesce(sum(l.amount_minor), 0)::bigint FROM ledger_entries l
                     JOIN payment_earmarks e ON e.payment_id = l.payment_id";
    assert_eq!(scalar(&app, &tenant, donations).await, 0);
}
