//! The desk's payments over real HTTP: recording cash and cheques (a
//! cheque needs its number; bad amounts write nothing), the list and its
//! totals, a partial refund that lowers them, a member's page and what
//! staff do there. Tenants apart: `contributions_desk_isolation`.

use std::sync::Arc;

use tessera::auth::Role;
use tessera::contributions::memberships::{self, JoinRequest};
use tessera::tenancy::Tenant;

use crate::contributions_desk::{create_plan, scalar, treasurer};
use crate::helpers::browser::{Browser, Page};
use crate::helpers::{TestApp, spawn_app};
use crate::staff::person;

/// `account` joins `plan` today (the memberships store, as the portal does).
pub(crate) async fn join(app: &TestApp, tenant: &Arc<Tenant>, plan: i64, account: i64) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let request = JoinRequest {
        plan_id: plan,
        tier: None,
        amount: None,
        members: vec![],
        household_id: None,
        payer_id: account,
        instalments: 1,
        on: memberships::today(),
        by_staff: true,
    };
    let joined = memberships::join(&mut tx, &request, None).await.unwrap();
    tx.commit().await.unwrap();
    joined.membership_ids[0]
}

pub(crate) fn payment_id(page: &Page) -> i64 {
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.as_deref().unwrap();
    location
        .trim_start_matches("/treasury/payments/")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_treasurer_records_cash_and_cheques_and_refunds() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-pay", "Desk Pay").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    let member = person(&app, &tenant, "Zoé Martin", "zoe@example.org", Role::Member).await;
    let plan = create_plan(&mut browser, "Adhésion", "30").await;
    let membership = join(&app, &tenant, plan, member).await;

    // Keyboard first: the search has the focus, each match leads to the form.
    let page = browser.get("/treasury/payments/new").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("autofocus"));
    let page = browser.get("/treasury/payments/new?q=zo%C3%A9").await;
    assert!(
        page.body
            .contains(&format!("href=\"/treasury/payments/new?payer={member}\""))
    );
    let page = browser
        .get(&format!("/treasury/payments/new?payer={member}"))
        .await;
    assert!(page.body.contains("Zoé Martin"));
    assert!(
        page.body.contains(&format!("value=\"{membership}\"")),
        "the open membership is offered"
    );

    let payer = member.to_string();
    let ticked = membership.to_string();
    let base = |method: &'static str, amount: &'static str| {
        vec![
            ("payer", payer.clone()),
            ("method", method.into()),
            ("amount", amount.into()),
            ("received_on", memberships::today().to_string()),
        ]
    };
    let send = async |browser: &mut Browser<'_>, fields: Vec<(&'static str, String)>| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post("/treasury/payments/new", &pairs).await
    };

    // Bad input: a message next to the field, nothing written.
    for (method, amount, message) in [
        ("cash", "-5", "ne peut pas être négatif"),
        ("cash", "12,345", "Trop de décimales"),
        ("cash", "0", "supérieur à zéro"),
        ("cheque", "20", "Un chèque demande son numéro"),
        ("wire", "20", "Obligatoire"),
    ] {
        let page = send(&mut browser, base(method, amount)).await;
        assert_eq!(page.status, 422, "{method} {amount}");
        assert!(
            page.body.contains(message),
            "{method} {amount}: {}",
            page.body
        );
    }
    let mut unknown = base("cash", "10");
    unknown[0].1 = "999999".into();
    assert_eq!(
        send(&mut browser, unknown).await.status,
        422,
        "unknown payer"
    );
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM payments").await,
        0
    );

    let mut cash = base("cash", "12,50");
    cash.push(("memberships", ticked.clone()));
    let cash_id = payment_id(&send(&mut browser, cash).await);
    let mut cheque = base("cheque", "17,50");
    cheque.push(("cheque_number", "0001234".into()));
    cheque.push(("cheque_bank", "Banque Postale".into()));
    let cheque_id = payment_id(&send(&mut browser, cheque).await);
    assert_eq!(
        scalar(
            &app,
            &tenant,
            &format!("SELECT amount_minor FROM payment_allocations WHERE payment_id = {cash_id}")
        )
        .await,
        1250,
        "the ticked membership is paid"
    );
    let mut transfer = base("transfer", "5");
    transfer.push(("reference", "RF18 5390 0754 7034".into()));
    let transfer_id = payment_id(&send(&mut browser, transfer.clone()).await);
    let page = send(&mut browser, transfer).await;
    assert_eq!(page.status, 422, "a reference is on one payment only");
    assert!(
        page.body.contains("déjà sur un autre paiement"),
        "{}",
        page.body
    );
    let refund = format!("/treasury/payments/{transfer_id}/refund");
    let page = browser
        .post(&refund, &[("amount", "5"), ("reason", "doublon")])
        .await;
    assert_eq!(page.status, 303, "a whole refund");
    let receipts = scalar(
        &app,
        &tenant,
        "SELECT count(*) FROM receipts WHERE cancelled_at IS NULL",
    )
    .await;
    assert_eq!(receipts, 2, "each paid payment has its receipt number");

    let page = browser
        .get(&format!("/treasury/payments/{cheque_id}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("0001234") && page.body.contains("Banque Postale"));

    let list = browser.get("/treasury/payments").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("Zoé Martin"));
    assert!(
        list.body.contains("<dd id=\"total-net\">30,00\u{a0}€</dd>"),
        "{}",
        list.body
    );
    assert!(
        list.body.contains("/treasury/payments/export.csv?season="),
        "the export keeps the filter"
    );
    let export = browser
        .get("/treasury/payments/export.csv?season=2000")
        .await;
    assert_eq!(
        export.status, 200,
        "the export route is B's, beside the list"
    );
    let cheques = browser.get("/treasury/payments?method=cheque").await;
    assert!(
        cheques
            .body
            .contains("/treasury/payments/export.csv?season=")
    );
    assert!(
        cheques.body.contains("method=cheque"),
        "the export keeps the method"
    );
    assert!(
        cheques
            .body
            .contains("<dd id=\"total-net\">17,50\u{a0}€</dd>"),
        "{}",
        cheques.body
    );

    // A partial refund, with its reason; more than what is left is refused.
    let page = browser
        .post(
            &format!("/treasury/payments/{cheque_id}/refund"),
            &[("amount", "7,50"), ("reason", "")],
        )
        .await;
    assert_eq!(page.status, 422, "a reason is needed");
    let page = browser
        .post(
            &format!("/treasury/payments/{cheque_id}/refund"),
            &[("amount", "7,50"), ("reason", "trop perçu")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let page = browser
        .post(
            &format!("/treasury/payments/{cheque_id}/refund"),
            &[("amount", "11"), ("reason", "encore")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("Plus que ce qui reste à rembourser"),
        "{}",
        page.body
    );
    let list = browser.get("/treasury/payments").await;
    assert!(
        list.body.contains("<dd id=\"total-net\">22,50\u{a0}€</dd>"),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains("<dd id=\"total-refunded\">12,50\u{a0}€</dd>")
    );

    // The member's page: memberships, history, payments, receipts.
    let page = browser.get(&format!("/treasury/members/{member}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Adhésion") && page.body.contains("/treasury/receipts/"));
    assert!(page.body.contains(&format!("/treasury/payments/{cash_id}")));
}

#[tokio::test]
async fn staff_override_cancel_and_renew_from_the_member_page() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("desk-member", "Desk Member").await;
    let (_, mut browser) = treasurer(&app, &tenant).await;
    let member = person(
        &app,
        &tenant,
        "Yann Leroy",
        "yann@example.org",
        Role::Member,
    )
    .await;
    let plan = create_plan(&mut browser, "Annuelle", "20").await;
    let membership = join(&app, &tenant, plan, member).await;
    let status = format!(
        "SELECT count(*) FROM memberships WHERE id = {membership} AND status_override = 'current'"
    );

    let page = browser
        .post(
            &format!("/treasury/memberships/{membership}/override"),
            &[("status", "current"), ("reason", "")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        scalar(&app, &tenant, &status).await,
        0,
        "no reason, no override"
    );
    let page = browser
        .post(
            &format!("/treasury/memberships/{membership}/override"),
            &[
                ("status", "current"),
                ("reason", "payé en liquide au forum"),
            ],
        )
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some(format!("/treasury/members/{member}").as_str())
    );
    assert_eq!(scalar(&app, &tenant, &status).await, 1);

    let page = browser.get("/treasury/members/expiring?days=366").await;
    assert!(
        page.body.contains("Yann Leroy"),
        "the period ends within a year: {}",
        page.body
    );
    let page = browser
        .post(&format!("/treasury/memberships/{membership}/renew"), &[])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        scalar(
            &app,
            &tenant,
            &format!("SELECT count(*) FROM memberships WHERE previous_id = {membership}")
        )
        .await,
        1
    );
    let page = browser
        .post(
            &format!("/treasury/memberships/{membership}/cancel"),
            &[("reason", "déménagement")],
        )
        .await;
    assert_eq!(page.status, 303);
    let cancelled = format!(
        "SELECT count(*) FROM memberships WHERE id = {membership} AND cancelled_at IS NOT NULL"
    );
    assert_eq!(scalar(&app, &tenant, &cancelled).await, 1);
    let page = browser.get("/treasury/members/expiring?days=366").await;
    assert!(
        !page.body.contains("Yann Leroy"),
        "renewed: no longer expiring"
    );
    assert_eq!(browser.get("/treasury/members/lapsed").await.status, 200);
    assert_eq!(
        browser.get("/treasury/members/balances?all=1").await.status,
        200
    );
    assert_eq!(
        browser
            .post("/treasury/memberships/987654/renew", &[])
            .await
            .status,
        404
    );
}
