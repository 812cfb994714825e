//! What members see of contributions, through the real pages: joining
//! alone or as a household (the quote is what is charged, the payer joins
//! only when asked), and a free amount below its minimum. The rest is in
//! `contributions_member_access` and `browser_membership`; the helpers
//! here are shared with them.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use serde_json::json;
use tessera::auth::Role;
use tessera::contributions::memberships::{self, JoinRequest};
use tessera::contributions::model::{Method, PaymentStatus};
use tessera::contributions::payments::{self, NewPayment};
use tessera::contributions::plans::{self, PlanInput};
use tessera::contributions::{ledger, settings};
use tessera::model::{Amount, Currency};
use tessera::tenancy::Tenant;

use crate::helpers::browser::{Browser, create_account};
use crate::helpers::{TestApp, spawn_isolated_app};

pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

pub fn eur(minor: i64) -> Amount {
    Amount::new(minor, Currency::EUR).unwrap()
}

/// A plan from its JSON input (as the API takes it).
pub async fn plan(app: &TestApp, tenant: &Arc<Tenant>, input: serde_json::Value) -> i64 {
    let input: PlanInput = serde_json::from_value(input).expect("plan input");
    let admin = create_account(
        app,
        tenant,
        &format!("plans{}@example.test", rand_suffix()),
        "pw-plans-123456",
        Role::Admin,
    )
    .await;
    let mut tx = app.tenant_tx(tenant).await;
    let id = plans::create(&mut tx, &input, admin).await.expect("plan");
    tx.commit().await.unwrap();
    id
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

pub fn yearly() -> serde_json::Value {
    json!({
        "name": "Saison", "period": "yearly", "pro_rata": "monthly",
        "tiers": [
            {"code": "standard", "label": "Standard", "amount_minor": 3000},
            {"code": "reduced", "label": "Réduit", "amount_minor": 1500}
        ]
    })
}

/// The `data-status` of the first membership card of `/membership`.
pub fn first_status(body: &str) -> String {
    let at = body.find("data-status=\"").expect("a membership card") + "data-status=\"".len();
    body[at..].chars().take_while(|c| *c != '"').collect()
}

/// The text of the element with `class="<class>"`.
fn class_text(body: &str, class: &str) -> String {
    let marker = format!("class=\"{class}\">");
    let at = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no {class} in {body}"))
        + marker.len();
    body[at..].chars().take_while(|c| *c != '<').collect()
}

pub async fn memberships_count(app: &TestApp, tenant: &Arc<Tenant>) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM memberships")
        .fetch_one(tx.conn().await.unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    n
}

#[tokio::test]
async fn a_member_joins_alone_pays_and_is_current_with_nothing_owed() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("joinalone", "Club Solo").await;
    let plan_id = plan(&app, &tenant, yearly()).await;
    let me = create_account(
        &app,
        &tenant,
        "solo@example.test",
        "pw-solo-1234567",
        Role::Member,
    )
    .await;
    let mut member = Browser::signed_in_as(&app, &tenant, me, Role::Member).await;

    let list = member.get("/membership/plans").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Saison"), "{}", list.body);
    let form = member
        .get(&format!("/membership/join?plan={plan_id}"))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    // Nothing is pre-selected among the prices.
    assert!(!form.body.contains("value=\"standard\" checked"));
    assert!(!form.body.contains("value=\"reduced\" checked"));
    let plan = plan_id.to_string();
    let fields = [("plan", plan.as_str()), ("tier", "standard"), ("who", "me")];
    let review = member.post("/membership/join", &fields).await;
    assert_eq!(review.status, 200, "{}", review.body);
    let shown = class_text(&review.body, "quote-total");
    assert_eq!(
        memberships_count(&app, &tenant).await,
        0,
        "the review writes nothing"
    );

    let done = member.post("/membership/join/confirm", &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/membership/pay"));
    let pay = member.get("/membership/pay").await;
    assert!(pay.body.contains("transfer-reference\">RF"), "{}", pay.body);
    let mine = member.get("/membership").await;
    assert_eq!(first_status(&mine.body), "pending");
    // A period that has only begun is not offered for renewal.
    assert!(!mine.body.contains("/membership/renew?"), "{}", mine.body);
    // The amount owed is the amount shown.
    assert_eq!(class_text(&mine.body, "membership-balance"), shown);

    // A treasurer records the payment at the desk.
    let mut tx = app.tenant_tx(&tenant).await;
    let currency = settings::get(&mut tx).await.unwrap().currency;
    let owed = ledger::balance(&mut tx, me, currency).await.unwrap();
    assert!(owed.is_positive());
    let payment = NewPayment {
        payer_id: me,
        amount: owed,
        method: Method::Cash,
        status: PaymentStatus::Paid,
        cheque_number: None,
        cheque_bank: None,
        reference: None,
        received_on: today(),
        note: None,
        allocations: Vec::new(),
        provider: None,
    };
    payments::record(&mut tx, &payment, None)
        .await
        .expect("payment");
    tx.commit().await.unwrap();
    let mine = member.get("/membership").await;
    let status = first_status(&mine.body);
    // "new" is the default rules' name for a paid first period.
    assert!(status == "new" || status == "current", "{status}");
    assert_eq!(
        class_text(&mine.body, "membership-balance"),
        eur(0).format("fr")
    );
    assert!(
        mine.body.contains("/membership/receipts/"),
        "a receipt link"
    );
}

#[tokio::test]
async fn a_household_of_three_pays_the_cap_shown_in_the_quote() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("household", "Club Famille").await;
    let plan_id = plan(
        &app,
        &tenant,
        json!({
            "name": "Famille", "period": "yearly", "household_cap_minor": 5000,
            "tiers": [{"code": "standard", "label": "Standard", "amount_minor": 3000}]
        }),
    )
    .await;
    let me = create_account(
        &app,
        &tenant,
        "parent@example.test",
        "pw-parent-123456",
        Role::Member,
    )
    .await;
    let mut member = Browser::signed_in_as(&app, &tenant, me, Role::Member).await;
    let plan = plan_id.to_string();
    let fields = [
        ("plan", plan.as_str()),
        ("who", "new"),
        ("household_name", "Famille Martin"),
        ("include_me", "on"),
        ("name1", "Léa Martin"),
        ("email1", "lea.martin@example.test"),
        ("name2", "Hugo Martin"),
        ("email2", "hugo.martin@example.test"),
    ];
    let review = member.post("/membership/join", &fields).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert_eq!(
        class_text(&review.body, "quote-total"),
        eur(5000).format("fr")
    );
    assert!(review.body.contains("Léa Martin") && review.body.contains("Hugo Martin"));
    assert_eq!(memberships_count(&app, &tenant).await, 0);

    let done = member.post("/membership/join/confirm", &fields).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let mut tx = app.tenant_tx(&tenant).await;
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT account_id, payer_id FROM memberships")
        .fetch_all(tx.conn().await.unwrap())
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|(_, payer)| *payer == me));
    let owed = ledger::balance(&mut tx, me, Currency::EUR).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(owed, eur(5000), "charged exactly the quote");
    let mine = member.get("/membership").await;
    assert!(mine.body.contains("Famille Martin"));

    // Later, the children alone take a workshop: the household the parent
    // pays for, without the parent.
    let workshop = crate::contributions_member::plan(
        &app,
        &tenant,
        json!({"name": "Atelier", "period": "yearly",
               "tiers": [{"code": "standard", "label": "Standard", "amount_minor": 1000}]}),
    )
    .await;
    let form = member
        .get(&format!("/membership/join?plan={workshop}"))
        .await;
    let at = form
        .body
        .find("name=\"who\" type=\"radio\" value=\"")
        .unwrap();
    let rest = &form.body[at..];
    let household = rest
        .match_indices("value=\"")
        .map(|(i, _)| rest[i + 7..].split('"').next().unwrap().to_owned())
        .find(|v| v.parse::<i64>().is_ok())
        .expect("the household is offered");
    let workshop = workshop.to_string();
    let fields = [("plan", workshop.as_str()), ("who", household.as_str())];
    let review = member.post("/membership/join", &fields).await;
    assert_eq!(
        class_text(&review.body, "quote-total"),
        eur(2000).format("fr")
    );
    assert_eq!(
        member
            .post("/membership/join/confirm", &fields)
            .await
            .status,
        303
    );
    let mut tx = app.tenant_tx(&tenant).await;
    let joined: Vec<i64> = sqlx::query_scalar(
        "SELECT m.account_id FROM memberships m JOIN plans p ON p.id = m.plan_id
         WHERE p.name = 'Atelier' ORDER BY 1",
    )
    .fetch_all(tx.conn().await.unwrap())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(joined.len(), 2);
    assert!(!joined.contains(&me));
}

#[tokio::test]
async fn a_free_amount_below_its_minimum_is_refused_and_nothing_is_written() {
    let app = spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("freeamt", "Club Soutien").await;
    let plan_id = plan(
        &app,
        &tenant,
        json!({"name": "Soutien", "period": "yearly", "free_amount": true,
               "minimum_minor": 1000, "suggested_minor": 3000}),
    )
    .await;
    let me = create_account(
        &app,
        &tenant,
        "giver@example.test",
        "pw-giver-1234567",
        Role::Member,
    )
    .await;
    let mut member = Browser::signed_in_as(&app, &tenant, me, Role::Member).await;
    let form = member
        .get(&format!("/membership/join?plan={plan_id}"))
        .await;
    // The suggestion is prefilled; the minimum is said.
    assert!(form.body.contains("value=\"30.00\""), "{}", form.body);
    assert!(form.body.contains(&eur(1000).format("fr")));
    let plan = plan_id.to_string();
    for step in ["/membership/join", "/membership/join/confirm"] {
        let page = member
            .post(
                step,
                &[("plan", plan.as_str()), ("amount", "9,99"), ("who", "me")],
            )
            .await;
        assert_eq!(page.status, 422, "{step}: {}", page.body);
        assert!(page.body.contains("field__error"), "{}", page.body);
    }
    for bad in ["-5", "abc", "99999999999999999999", "10.001"] {
        let page = member
            .post(
                "/membership/join/confirm",
                &[("plan", plan.as_str()), ("amount", bad)],
            )
            .await;
        assert_eq!(page.status, 422, "{bad}");
    }
    assert_eq!(memberships_count(&app, &tenant).await, 0);
    let ok = member
        .post(
            "/membership/join/confirm",
            &[("plan", plan.as_str()), ("amount", "12,50")],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let mut tx = app.tenant_tx(&tenant).await;
    assert_eq!(
        ledger::balance(&mut tx, me, Currency::EUR).await.unwrap(),
        eur(1250)
    );
    tx.commit().await.unwrap();
}

/// A membership of `account` that started `days_ago` days ago, unpaid.
pub async fn joined_long_ago(
    app: &TestApp,
    tenant: &Arc<Tenant>,
    plan_id: i64,
    account: i64,
    days_ago: i64,
) -> i64 {
    let mut tx = app.tenant_tx(tenant).await;
    let request = JoinRequest {
        plan_id,
        tier: None,
        amount: None,
        members: Vec::new(),
        household_id: None,
        payer_id: account,
        instalments: 1,
        on: today() - Duration::days(days_ago),
        by_staff: true,
    };
    let joined = memberships::join(&mut tx, &request, None)
        .await
        .expect("join");
    tx.commit().await.unwrap();
    joined.membership_ids[0]
}
