//! Staff dashboards of widgets: every widget's figures equal what the
//! test recorded through the API (summed here independently), the page
//! draws each chart as SVG with a `<title>` per mark and the same numbers
//! in its table, and treasurers' pages carry the live-update hooks.
//! Layouts, roles and tenants: `dashboard_layouts`.

use std::collections::HashMap;

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::contributions_fixture::{Desk, app, desk, get, person, scalar, send};
use crate::contributions_payments::{plans, post_keyed};
use crate::helpers::TestApp;
use crate::helpers::api_client;
use crate::helpers::browser::Browser;
use crate::projects_fixture::{editor, open_project};

/// Sets an account's town (the profile's field) straight in its row.
pub(crate) async fn town(app: &TestApp, desk: &Desk, id: i64, town: &str) {
    let sql = format!(
        "WITH u AS (UPDATE accounts SET town = '{town}' WHERE id = {id} RETURNING 1) SELECT count(*) FROM u"
    );
    assert_eq!(scalar(app, &desk.tenant, &sql).await, 1);
}

/// A payment recorded through the API; its id.
async fn pay(app: &TestApp, desk: &Desk, body: Value, key: &str) -> i64 {
    let reply = post_keyed(app, desk, "/api/v1/payments", &body, Some(key)).await;
    assert_eq!(reply.status, 201, "{:?}", reply.json);
    reply.json["id"].as_i64().expect("id")
}

fn eur(minor: i64) -> Value {
    json!({ "minor": minor, "currency": "EUR" })
}

/// The widgets of a `GET /api/v1/dashboard/widgets` by id.
pub(crate) fn by_id(reply: &Value) -> HashMap<String, Value> {
    reply
        .as_array()
        .expect("a list")
        .iter()
        .map(|w| (w["id"].as_str().expect("id").to_owned(), w.clone()))
        .collect()
}

/// `GET /api/v1/dashboard/widgets` in `lang`, by id.
pub(crate) async fn widgets_in(
    app: &TestApp,
    host: &str,
    token: &str,
    lang: &str,
) -> HashMap<String, Value> {
    let request = app
        .http
        .get(format!("http://{}/api/v1/dashboard/widgets", app.addr))
        .header("Accept-Language", lang);
    let reply = api_client::send(app, request, host, Some(token)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    by_id(&reply.json)
}

/// `label → value` of a widget's values (first series only).
fn values(widget: &Value) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for v in widget["values"].as_array().expect("values") {
        if v["series"].is_null() || v["series"] == "this" || v["series"] == "raised" {
            out.entry(v["label"].as_str().unwrap_or_default().to_owned())
                .or_insert(v["value"].as_i64().expect("value"));
        }
    }
    out
}

#[tokio::test]
async fn widgets_add_up_to_what_was_recorded() {
    let app = app().await;
    let desk = desk(&app, "dash-sums").await;
    let (plan, _) = plans(&app, &desk).await;
    let mut people = Vec::new();
    for (name, place) in [
        ("Anne", "Lyon"),
        ("Bob", " lyon "),
        ("Cara", ""),
        ("Dan", "Paris"),
    ] {
        let email = format!("{}@x.test", name.to_lowercase());
        let id = person(&app, &desk.tenant, &email, name, Role::Member, true).await;
        if !place.is_empty() {
            town(&app, &desk, id, place).await;
        }
        people.push(id);
    }
    // Anne gives her birth date through the API (30 years ago), Bob
    // through his profile page (1960); Cara gives none.
    let thirty = chrono::Utc::now()
        .date_naive()
        .checked_sub_months(chrono::Months::new(360))
        .expect("date");
    let (anne, _) = api_client::login(
        &app,
        &desk.host,
        "anne@x.test",
        crate::contributions_fixture::PASSWORD,
    )
    .await;
    let bad = send(
        &app,
        "PATCH",
        &desk.host,
        "/api/v1/auth/user",
        &json!({ "birth_date": "1850-01-01" }),
        &anne,
    )
    .await;
    assert_eq!(bad.status, 422, "{:?}", bad.json);
    let set = send(
        &app,
        "PATCH",
        &desk.host,
        "/api/v1/auth/user",
        &json!({ "birth_date": thirty.to_string() }),
        &anne,
    )
    .await;
    assert_eq!(
        (set.status, set.json["birth_date"].clone()),
        (200, json!(thirty.to_string())),
        "{:?}",
        set.json
    );
    let mut bob = Browser::signed_in_as(&app, &desk.tenant, people[1], Role::Member).await;
    assert!(
        bob.get("/accounts/profile/")
            .await
            .body
            .contains("name=\"birth_date\"")
    );
    let fields = [
        ("display_name", "Bob"),
        ("phone", ""),
        ("street", ""),
        ("postal_code", ""),
        ("town", "lyon"),
        ("country", ""),
        ("birth_date", "1960-05-01"),
        ("locale", ""),
    ];
    let saved = bob.post("/accounts/profile/", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // Anne, Bob and Cara join (30 €); Dan does not.
    let mut memberships = Vec::new();
    for (i, payer) in people[..3].iter().enumerate() {
        let body = json!({ "plan_id": plan, "payer_id": payer });
        let joined = post_keyed(
            &app,
            &desk,
            "/api/v1/subscriptions",
            &body,
            Some(&format!("j{i}")),
        )
        .await;
        assert_eq!(joined.status, 201, "{:?}", joined.json);
        memberships.push(
            joined.json["membership_ids"][0]
                .as_i64()
                .expect("membership"),
        );
    }
    // A project with a goal of 800 €, and a 200 € donation by Dan.
    let mut editor = editor(&app, &desk.tenant).await;
    let project = open_project(&mut editor, "Remorque", &[("goal", "800")]).await;
    let recorded = [
        (people[0], 3000, "cash", Some(memberships[0]), None),
        (people[1], 1000, "transfer", Some(memberships[1]), None),
        (people[3], 20_000, "card", None, Some(project)),
    ];
    for (i, (payer, minor, method, membership, project)) in recorded.iter().enumerate() {
        let mut body = json!({ "payer_id": payer, "amount": eur(*minor), "method": method });
        if let Some(m) = membership {
            body["allocations"] = json!([{ "membership_id": m, "amount": eur(*minor) }]);
        }
        if let Some(p) = project {
            body["project_id"] = json!(p);
        }
        pay(&app, &desk, body, &format!("p{i}")).await;
    }

    // What the test expects, from what it recorded and what the API says.
    let collected: i64 = recorded.iter().map(|r| r.1).sum();
    let mut active = 0;
    for m in &memberships {
        let shown = get(
            &app,
            &desk.host,
            &format!("/api/v1/memberships/{m}"),
            &desk.token,
        )
        .await;
        let status = shown.json["status"].as_str().expect("status").to_owned();
        active += i64::from(["new", "current", "grace"].contains(&status.as_str()));
    }
    let (mut owing, mut owed) = (0, 0);
    for p in &people {
        let shown = get(
            &app,
            &desk.host,
            &format!("/api/v1/members/{p}/balance"),
            &desk.token,
        )
        .await;
        let minor = shown.json["balance"]["minor"].as_i64().expect("balance");
        if minor > 0 {
            owing += 1;
            owed += minor;
        }
    }
    assert!(owing >= 2, "Bob and Cara owe at least");

    // The treasurer puts every widget on their dashboard.
    let all = send(&app, "PUT", &desk.host, "/api/v1/dashboard/layout",
        &json!({ "widgets": ["members_by_age", "collected", "payments_today", "arrears", "active_members", "members_by_plan",
                             "members_by_town", "payments_by_method", "projects", "referrals",
                             "recent_activity", "renewal_rate", "collected_months"] }), &desk.token).await;
    assert_eq!(all.status, 200, "{:?}", all.json);
    let widgets = widgets_in(&app, &desk.host, &desk.token, "en").await;
    assert_eq!(widgets.len(), 13);
    let ages = values(&widgets["members_by_age"]);
    assert_eq!(ages.get("26-40 years"), Some(&1), "{ages:?}");
    assert_eq!(ages.get("61+ years"), Some(&1), "{ages:?}");
    assert_eq!(ages.get("Birth date not given"), Some(&1), "{ages:?}");

    let first = |id: &str| widgets[id]["values"][0]["value"].as_i64().expect(id);
    assert_eq!(first("collected"), collected);
    assert_eq!(first("payments_today"), collected);
    assert_eq!(widgets["payments_today"]["values"][1]["value"], 3);
    assert_eq!(first("arrears"), owed);
    assert_eq!(widgets["arrears"]["values"][1]["value"], owing);
    assert_eq!(first("active_members"), active);
    assert_eq!(widgets["active_members"]["text"], active.to_string());

    let by_plan = values(&widgets["members_by_plan"]);
    assert_eq!(by_plan.get("Annual"), Some(&3), "{by_plan:?}");
    let by_town = values(&widgets["members_by_town"]);
    assert_eq!(
        by_town.get("Lyon"),
        Some(&2),
        "Lyon and « lyon » are one town: {by_town:?}"
    );
    assert_eq!(
        by_town.values().sum::<i64>(),
        3,
        "Dan has no membership: {by_town:?}"
    );
    assert!(!by_town.contains_key("Paris"));
    let methods = values(&widgets["payments_by_method"]);
    assert_eq!(methods.values().sum::<i64>(), collected);
    assert_eq!(methods.get("Cash"), Some(&3000), "{methods:?}");
    assert_eq!(methods.get("Card"), Some(&20_000));
    let months = &widgets["collected_months"]["values"];
    let season_sum: i64 = months
        .as_array()
        .expect("months")
        .iter()
        .filter(|v| v["series"] == "this")
        .map(|v| v["value"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(season_sum, collected);
    let gauges = values(&widgets["projects"]);
    assert_eq!(gauges.get("Remorque"), Some(&20_000), "{gauges:?}");
    assert!(
        widgets["projects"]["values"]
            .as_array()
            .expect("values")
            .iter()
            .any(|v| v["series"] == "goal" && v["value"] == 80_000)
    );
    assert_eq!(values(&widgets["referrals"]).values().sum::<i64>(), 0);
    let feed = widgets["recent_activity"]["feed"].as_array().expect("feed");
    assert!(
        feed.iter()
            .any(|l| l["kind"] == "payment"
                && l["text"].as_str().unwrap_or_default().contains("Dan"))
    );
    assert!(feed.iter().any(|l| l["kind"] == "membership"));

    // The page shows the same numbers in its tables, a title per mark.
    let mut browser =
        Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let page = browser.get("/dashboard/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let body = &page.body;
    for chunk in body.split("<rect").skip(1) {
        let mark = chunk.split("</rect>").next().unwrap_or_default();
        assert!(
            mark.contains("<title>") && !mark.contains("<title></title>"),
            "a title per mark: {mark}"
        );
    }
    assert!(body.contains("<table"), "each chart has its table");
    assert!(
        body.contains("<th scope=\"row\">Lyon</th><td class=\"num\">2</td>"),
        "{body}"
    );
    assert!(
        body.contains("<title>Lyon: 2</title>"),
        "the chart says the same"
    );
    assert!(body.contains("data-live-stream=\"/dashboard/stream\""));
    assert!(body.contains("data-live-figure=\"collected\""));
    assert!(body.contains("data-live-figure=\"active_members\""));
    assert!(body.contains("data-live-feed"));
    let _ = editor;
}

/// What `benches/dashboard.lua` requests and checks: a bench tenant's
/// treasurer, signed in through the form, gets their default dashboard
/// with the collected figure, SVG charts and tables.
#[tokio::test]
async fn the_bench_request_answers_as_the_harness_expects() {
    use tessera::bench::{payments, seed};
    use tessera::tenancy::{Hostname, Slug, registry};

    let app = crate::helpers::spawn_isolated_app().await;
    let db = &app.state.db;
    let provisioner = seed::provisioner(db, Hostname::parse("admin.localhost").expect("host"))
        .expect("provisioner");
    seed::seed(db, &provisioner, 1, 1).await.expect("seed");
    let tenant = registry::find_by_slug(app.pool(), &Slug::parse("bench-00001").expect("slug"))
        .await
        .expect("lookup")
        .expect("tenant");
    let mut browser = Browser::new(&app, &std::sync::Arc::new(tenant)).await;
    let email = payments::treasurer_email("bench-00001");
    let signed = browser
        .post(
            "/accounts/login/",
            &[
                ("email", &email),
                ("password", payments::TREASURER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert!(browser.session().is_some());
    let page = browser.get("/dashboard/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for needle in ["data-widget=\"collected\"", "<svg", "<table"] {
        assert!(page.body.contains(needle), "{needle}");
    }
    assert!(
        page.body.matches("data-widget=").count() >= 11,
        "the treasurer's default layout"
    );
}
