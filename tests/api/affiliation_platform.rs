//! The platform's own programme: an operator runs it (programme, rule,
//! partner association), a visitor follows the partner's link on the
//! platform host, signs their association up and confirms it; the fees the
//! platform charges the new association earn the partner their share; a
//! fee credit reward pays the next fees. The platform's books hold tenants
//! only, and no tenant's role can read them.

use reqwest::Method;
use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::platform::operators::OperatorRole;

use crate::helpers::browser::{Browser, create_account};
use crate::helpers::console::Console;
use crate::helpers::{TestApp, spawn_isolated_app, unique_slug};
use crate::platform_api::{call, token};

const BASE: &str = "/api/v1/platform/affiliation";

async fn api(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> Value {
    let (status, body) = call(app, token, method, &format!("{BASE}{path}"), body).await;
    assert!(status < 300, "{path}: {status} {body}");
    body
}

/// Signs an association up on the platform host with `console`'s cookies
/// and confirms it; returns the new tenant's id.
async fn sign_up(app: &TestApp, console: &mut Console<'_>, slug: &str, code: &str) -> i64 {
    let email = format!("admin@{slug}.example");
    let fields = [
        ("name", "Jardins partagés"),
        ("slug", slug),
        ("email", email.as_str()),
        ("theme", "default"),
        ("primary", "#205080"),
        ("accent", "#e8a33d"),
        ("accept", "1"),
        ("website", ""),
        ("referral_code", code),
        ("action", "create"),
    ];
    let sent = console.post("/signup", &fields).await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    let link: String = sqlx::query_scalar(
        "SELECT payload->'data'->>'link' FROM platform.jobs WHERE kind = 'platform.mail' AND payload->>'to' = $1",
    )
    .bind(&email)
    .fetch_one(app.pool())
    .await
    .expect("confirmation mail");
    let path = &link[link.find("/signup/confirm/").expect("confirm path")..];
    let live = console.post(path, &[]).await;
    assert_eq!(live.status, 200, "{}", live.body);
    sqlx::query_scalar("SELECT id FROM platform.tenants WHERE slug = $1")
        .bind(slug)
        .fetch_one(app.pool())
        .await
        .expect("tenant created")
}

#[tokio::test]
async fn a_partner_brings_an_association_and_earns_from_its_fees() {
    let app = spawn_isolated_app().await;
    let operator = token(&app, OperatorRole::Operator).await;
    let program = api(
        &app,
        &operator,
        Method::POST,
        "/programs",
        Some(json!({ "name": "Partners", "holding_days": 0 })),
    )
    .await;
    let id = program["id"].as_i64().expect("program");
    let rule = json!({ "stage": "sale", "reward": "percent", "basis_points": 2000 });
    api(
        &app,
        &operator,
        Method::POST,
        &format!("/programs/{id}/rules"),
        Some(rule),
    )
    .await;
    // Free days mean nothing to fees: refused.
    let days = json!({ "stage": "sale", "reward": "free_days", "days": 30 });
    let (status, _) = call(
        &app,
        &operator,
        Method::POST,
        &format!("{BASE}/programs/{id}/rules"),
        Some(days),
    )
    .await;
    assert_eq!(status, 422);

    let (partner_tenant, _) = app.create_tenant("partner", "Fédération des jardins").await;
    let partner = json!({ "tenant_id": partner_tenant.id.get(), "name": "Fédération", "email": "fede@example.org" });
    let partner = api(
        &app,
        &operator,
        Method::POST,
        &format!("/programs/{id}/partners"),
        Some(partner),
    )
    .await;
    let partner_id = partner["id"].as_i64().expect("partner");
    let code: String =
        sqlx::query_scalar("SELECT code FROM platform.aff_links WHERE affiliate_id = $1")
            .bind(partner_id)
            .fetch_one(app.pool())
            .await
            .expect("a first link");

    // The visitor follows the partner's link, then signs up (cookie only).
    let mut visitor = Console::new(&app).await;
    let landing = visitor.get(&format!("/r/{code}")).await;
    assert_eq!(landing.status, 303);
    assert_eq!(landing.location.as_deref(), Some("/signup"));
    let slug = unique_slug("jardin").to_string();
    let referred = sign_up(&app, &mut visitor, &slug, "").await;
    let bound: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM platform.aff_referrals WHERE party_id = $1 AND affiliate_id = $2",
    )
    .bind(referred)
    .bind(partner_id)
    .fetch_one(app.pool())
    .await
    .expect("count");
    assert_eq!(bound, 1, "the new association is bound to the partner");

    // A fee of 50.00 earns the partner 20 %.
    let fee = json!({ "tenant_id": referred, "label": "Abonnement 2027", "amount_minor": 5000 });
    let fee = api(&app, &operator, Method::POST, "/fees", Some(fee)).await;
    let lines = api(
        &app,
        &operator,
        Method::GET,
        &format!("/programs/{id}/commissions"),
        None,
    )
    .await;
    assert_eq!(lines.as_array().map(Vec::len), Some(1), "{lines}");
    assert_eq!(lines[0]["amount_minor"], 1000);
    assert_eq!(lines[0]["payment_id"], fee["id"]);
    // Half the fee refunded: half the commission taken back.
    let refund = json!({ "amount_minor": 2500 });
    api(
        &app,
        &operator,
        Method::POST,
        &format!("/fees/{}/refund", fee["id"]),
        Some(refund),
    )
    .await;
    let lines = api(
        &app,
        &operator,
        Method::GET,
        &format!("/programs/{id}/commissions"),
        None,
    )
    .await;
    let total: i64 = lines
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l["amount_minor"].as_i64())
        .sum();
    assert_eq!(total, 500);

    // The partner association's administrator sees it in their portal.
    let admin = create_account(
        &app,
        &partner_tenant,
        "boss@fede.example",
        "un mot de passe assez long",
        Role::Admin,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &partner_tenant, admin, Role::Admin).await;
    let page = browser.get("/staff/partner").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains(&format!("/r/{code}")),
        "the partner's link"
    );

    // No tenant's role can read the platform's books.
    let mut tx = app.tenant_tx(&partner_tenant).await;
    let denied = sqlx::query("SELECT * FROM platform.aff_lines")
        .execute(tx.conn().await.expect("conn"))
        .await;
    assert!(
        denied.is_err(),
        "a tenant read the platform's commission ledger"
    );
}

#[tokio::test]
async fn a_fee_credit_reward_pays_the_next_fees_and_a_wrong_partner_code_is_refused() {
    let app = spawn_isolated_app().await;
    let operator = token(&app, OperatorRole::Operator).await;
    let program = api(
        &app,
        &operator,
        Method::POST,
        "/programs",
        Some(json!({ "name": "Credits", "holding_days": 0 })),
    )
    .await;
    let id = program["id"].as_i64().expect("program");
    let rule = json!({ "stage": "lead", "reward": "credit", "amount_minor": 3000 });
    api(
        &app,
        &operator,
        Method::POST,
        &format!("/programs/{id}/rules"),
        Some(rule),
    )
    .await;
    let (partner_tenant, _) = app.create_tenant("credit", "Partner").await;
    let partner = json!({ "tenant_id": partner_tenant.id.get(), "name": "Partner", "email": "p@example.org" });
    let partner = api(
        &app,
        &operator,
        Method::POST,
        &format!("/programs/{id}/partners"),
        Some(partner),
    )
    .await;
    let code: String =
        sqlx::query_scalar("SELECT code FROM platform.aff_links WHERE affiliate_id = $1")
            .bind(partner["id"].as_i64())
            .fetch_one(app.pool())
            .await
            .expect("code");

    let mut visitor = Console::new(&app).await;
    let typo = visitor
        .post(
            "/signup",
            &[
                ("name", "X"),
                ("slug", "x-typo"),
                ("email", "x@example.org"),
                ("theme", "default"),
                ("accept", "1"),
                ("referral_code", "no-such-partner"),
                ("action", "create"),
            ],
        )
        .await;
    assert_eq!(typo.status, 422, "an unknown partner code is a form error");

    let slug = unique_slug("cred").to_string();
    sign_up(&app, &mut visitor, &slug, &code.to_uppercase()).await;
    tessera::affiliation::platform::sweep(app.pool(), chrono::Utc::now())
        .await
        .expect("sweep");
    // The partner's 30.00 credit pays most of a 50.00 fee.
    let fee = json!({ "tenant_id": partner_tenant.id.get(), "label": "Abonnement", "amount_minor": 5000 });
    let fee = api(&app, &operator, Method::POST, "/fees", Some(fee)).await;
    assert_eq!(fee["credit_minor"], 3000);
    let left: i64 = sqlx::query_scalar(
        "SELECT sum(amount_minor)::bigint FROM platform.fee_credits WHERE tenant_id = $1",
    )
    .bind(partner_tenant.id.get())
    .fetch_one(app.pool())
    .await
    .expect("balance");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn operators_run_the_programme_from_the_console() {
    let app = spawn_isolated_app().await;
    let operator = token(&app, OperatorRole::Operator).await;
    let program = api(
        &app,
        &operator,
        Method::POST,
        "/programs",
        Some(json!({ "name": "Console partners", "holding_days": 0 })),
    )
    .await;
    let id = program["id"].as_i64().expect("program");
    let rule = json!({ "stage": "sale", "reward": "flat", "amount_minor": 1500 });
    api(
        &app,
        &operator,
        Method::POST,
        &format!("/programs/{id}/rules"),
        Some(rule),
    )
    .await;
    let (partner, _) = app.create_tenant("cpartner", "Partner by console").await;
    let (referred, _) = app.create_tenant("creferred", "Referred by hand").await;

    let (mut console, _, _) =
        crate::helpers::console::signed_in_operator(&app, OperatorRole::Operator).await;
    let program_id = id.to_string();
    let added = console
        .post(
            "/console/affiliation",
            &[
                ("action", "partner"),
                ("program_id", &program_id),
                ("name", "Console Partner"),
                ("email", "cp@example.org"),
                ("tenant", partner.slug.as_str()),
            ],
        )
        .await;
    assert_eq!(added.status, 303);
    let partner_id: i64 =
        sqlx::query_scalar("SELECT id FROM platform.aff_affiliates WHERE party_id = $1")
            .bind(partner.id.get())
            .fetch_one(app.pool())
            .await
            .expect("partner added");
    // Bound by hand (a partner told the operators), then charged from the console.
    let mut tx = tessera::affiliation::platform::begin(app.pool())
        .await
        .expect("books");
    let mut books = tessera::affiliation::books::Books::Platform(&mut tx);
    tessera::affiliation::referrals::bind_by_hand(
        &mut books,
        partner_id,
        referred.id.get(),
        "Referred",
        "r@example.org",
    )
    .await
    .expect("bound");
    tx.commit().await.expect("commit");
    let fee = console
        .post(
            "/console/affiliation",
            &[
                ("action", "fee"),
                ("tenant", referred.slug.as_str()),
                ("label", "2027"),
                ("amount", "80,00"),
            ],
        )
        .await;
    assert_eq!(fee.status, 303);
    let refused = console
        .post(
            "/console/affiliation",
            &[
                ("action", "fee"),
                ("tenant", referred.slug.as_str()),
                ("label", "x"),
                ("amount", "-3"),
            ],
        )
        .await;
    assert_eq!(refused.status, 303);
    let fees: i64 =
        sqlx::query_scalar("SELECT count(*) FROM platform.fee_charges WHERE tenant_id = $1")
            .bind(referred.id.get())
            .fetch_one(app.pool())
            .await
            .expect("fees");
    assert_eq!(fees, 1, "the refused fee wrote nothing");
    let page = console.get("/console/affiliation").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Console Partner"));
    assert!(
        page.body.contains("15,00") || page.body.contains("15.00"),
        "the partner's pending commission"
    );
    // Support operators read, but cannot write.
    let (mut support, _, _) =
        crate::helpers::console::signed_in_operator(&app, OperatorRole::Support).await;
    assert_eq!(support.get("/console/affiliation").await.status, 200);
    let denied = support
        .post(
            "/console/affiliation",
            &[
                ("action", "fee"),
                ("tenant", referred.slug.as_str()),
                ("label", "x"),
                ("amount", "1"),
            ],
        )
        .await;
    assert_eq!(denied.status, 403);
}
