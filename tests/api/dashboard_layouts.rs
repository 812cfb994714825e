//! Dashboard layouts: saved per person (two treasurers do not share one),
//! a default per role (an editor never gets, and cannot add, a money
//! widget), the pages' forms (add, move, remove, reset), members refused,
//! tenants apart (another tenant's token, cookie or host reads nothing of
//! this one's layouts), and the API in the OpenAPI document.

use serde_json::{Value, json};
use tessera::auth::Role;

use crate::contributions_fixture::{PASSWORD, app, desk, get, key, send};
use crate::helpers::api_client::{self, login};
use crate::helpers::browser::{Browser, create_account};
use crate::staff::person;

const MONEY: [&str; 6] = [
    "collected",
    "payments_today",
    "arrears",
    "collected_months",
    "payments_by_method",
    "referrals",
];

fn ids(layout: &Value) -> Vec<String> {
    layout["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .map(|w| w.as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn layouts_are_per_person_with_a_default_per_role() {
    let app = app().await;
    let desk = desk(&app, "dash-lay").await;
    let host = desk.host.clone();
    create_account(&app, &desk.tenant, "t2@x.test", PASSWORD, Role::Treasurer).await;
    let (other, _) = login(&app, &host, "t2@x.test", PASSWORD).await;
    let editor_id = create_account(&app, &desk.tenant, "ed@x.test", PASSWORD, Role::Editor).await;
    let (editor, _) = login(&app, &host, "ed@x.test", PASSWORD).await;

    let default = get(&app, &host, "/api/v1/dashboard/layout", &desk.token).await;
    assert_eq!(default.status, 200, "{:?}", default.json);
    assert_eq!(default.json["saved"], false);
    assert!(ids(&default.json).contains(&"collected".to_owned()));

    let mine = json!({ "widgets": ["projects", "collected"] });
    let saved = send(
        &app,
        "PUT",
        &host,
        "/api/v1/dashboard/layout",
        &mine,
        &desk.token,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
    assert_eq!(ids(&saved.json), ["projects", "collected"]);
    let shown = get(&app, &host, "/api/v1/dashboard/widgets", &desk.token).await;
    let shown: Vec<&str> = shown
        .json
        .as_array()
        .expect("list")
        .iter()
        .map(|w| w["id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        shown,
        ["projects", "collected"],
        "the widgets follow the layout"
    );
    let theirs = get(&app, &host, "/api/v1/dashboard/layout", &other).await;
    assert_eq!(
        theirs.json["saved"], false,
        "another treasurer keeps the default"
    );
    assert_eq!(ids(&theirs.json), ids(&default.json));

    // An editor: no money by default, in the catalogue, or by request.
    let layout = get(&app, &host, "/api/v1/dashboard/layout", &editor).await;
    assert!(!ids(&layout.json).is_empty());
    assert!(
        ids(&layout.json)
            .iter()
            .all(|id| !MONEY.contains(&id.as_str())),
        "{layout:?}"
    );
    let widgets = get(&app, &host, "/api/v1/dashboard/widgets", &editor).await;
    for w in widgets.json.as_array().expect("list") {
        assert!(!MONEY.contains(&w["id"].as_str().unwrap_or_default()));
        assert!(
            w["feed"]
                .as_array()
                .is_none_or(|f| f.iter().all(|l| l["kind"] != "payment"))
        );
    }
    let catalogue = get(&app, &host, "/api/v1/dashboard/widgets/catalogue", &editor).await;
    let offered = catalogue.json.as_array().expect("catalogue");
    assert!(!offered.is_empty());
    assert!(
        offered.iter().all(|e| e["min_role"] == "editor"),
        "{catalogue:?}"
    );
    for (asked, named) in [
        (json!(["projects", "collected"]), "collected"),
        (json!(["nope"]), "nope"),
    ] {
        let refused = send(
            &app,
            "PUT",
            &host,
            "/api/v1/dashboard/layout",
            &json!({ "widgets": asked }),
            &editor,
        )
        .await;
        assert_eq!(refused.status, 422, "{:?}", refused.json);
        assert!(
            refused.json["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(named),
            "{:?}",
            refused.json
        );
    }
    let twice = send(
        &app,
        "PUT",
        &host,
        "/api/v1/dashboard/layout",
        &json!({ "widgets": ["projects", "projects"] }),
        &editor,
    )
    .await;
    assert_eq!(twice.status, 422);
    let unchanged = get(&app, &host, "/api/v1/dashboard/layout", &editor).await;
    assert_eq!(
        unchanged.json["saved"], false,
        "a refused layout writes nothing"
    );

    // The editor's pages: no money, no live hooks; the forms arrange.
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, editor_id, Role::Editor).await;
    let page = browser.get("/dashboard/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(!page.body.contains("data-live-stream"));
    assert!(!page.body.contains("widget-collected"));
    let offered = browser.get("/dashboard/widgets/").await;
    assert_eq!(offered.status, 200);
    assert!(!offered.body.contains("value=\"collected\""));
    let refused = browser
        .post(
            "/dashboard/layout",
            &[("action", "add"), ("widget", "collected")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let first = ids(&layout.json);
    let removed = browser
        .post(
            "/dashboard/layout",
            &[("action", "remove"), ("widget", &first[0])],
        )
        .await;
    assert_eq!(
        (removed.status, removed.location.as_deref()),
        (303, Some("/dashboard/"))
    );
    let moved = browser
        .post(
            "/dashboard/layout",
            &[("action", "up"), ("widget", &first[2])],
        )
        .await;
    assert_eq!(moved.status, 303);
    let now = get(&app, &host, "/api/v1/dashboard/layout", &editor).await;
    assert_eq!(now.json["saved"], true);
    let mut expected: Vec<String> = first[1..].to_vec();
    expected.swap(0, 1);
    assert_eq!(ids(&now.json), expected);
    let added = browser
        .post(
            "/dashboard/layout",
            &[("action", "add"), ("widget", &first[0])],
        )
        .await;
    assert_eq!(added.status, 303);
    assert_eq!(
        ids(&get(&app, &host, "/api/v1/dashboard/layout", &editor)
            .await
            .json)
        .last(),
        Some(&first[0])
    );
    let reset = browser
        .post("/dashboard/layout", &[("action", "reset")])
        .await;
    assert_eq!(reset.status, 303);
    let back = get(&app, &host, "/api/v1/dashboard/layout", &editor).await;
    assert_eq!(
        (back.json["saved"].clone(), ids(&back.json)),
        (json!(false), first)
    );

    // The treasurer's own layout is untouched by all this; DELETE resets it.
    assert_eq!(
        ids(&get(&app, &host, "/api/v1/dashboard/layout", &desk.token)
            .await
            .json),
        ["projects", "collected"]
    );
    let deleted = send(
        &app,
        "DELETE",
        &host,
        "/api/v1/dashboard/layout",
        &json!({}),
        &desk.token,
    )
    .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json["saved"], false);
}

#[tokio::test]
async fn members_and_narrow_keys_are_refused() {
    let app = app().await;
    let desk = desk(&app, "dash-who").await;
    let host = desk.host.clone();
    let member = person(&app, &desk.tenant, "Max Membre", "max@x.test", Role::Member).await;
    let mut browser = Browser::signed_in_as(&app, &desk.tenant, member, Role::Member).await;
    for path in ["/dashboard/", "/dashboard/widgets/"] {
        assert_eq!(browser.get(path).await.status, 403, "{path}");
    }
    let post = browser
        .post("/dashboard/layout", &[("action", "reset")])
        .await;
    assert_eq!(post.status, 403);
    create_account(&app, &desk.tenant, "m@x.test", PASSWORD, Role::Member).await;
    let (token, _) = login(&app, &host, "m@x.test", PASSWORD).await;
    for path in [
        "/api/v1/dashboard/widgets",
        "/api/v1/dashboard/widgets/catalogue",
        "/api/v1/dashboard/layout",
    ] {
        assert_eq!(get(&app, &host, path, &token).await.status, 403, "{path}");
        assert_eq!(
            api_client::get(&app, &host, path, None).await.status,
            401,
            "{path}"
        );
    }
    let reader = key(&app, &desk, &["reporting:read"]).await;
    assert_eq!(
        get(&app, &host, "/api/v1/dashboard/widgets", &reader)
            .await
            .status,
        200
    );
    let put = send(
        &app,
        "PUT",
        &host,
        "/api/v1/dashboard/layout",
        &json!({ "widgets": [] }),
        &reader,
    )
    .await;
    assert_eq!(put.status, 403, "writing needs reporting:write");
    let other = key(&app, &desk, &["members:read"]).await;
    assert_eq!(
        get(&app, &host, "/api/v1/dashboard/widgets", &other)
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn tenants_keep_their_dashboards_apart() {
    let app = app().await;
    let a = desk(&app, "dash-ta").await;
    let b = desk(&app, "dash-tb").await;
    let saved = send(
        &app,
        "PUT",
        &a.host,
        "/api/v1/dashboard/layout",
        &json!({ "widgets": ["arrears"] }),
        &a.token,
    )
    .await;
    assert_eq!(saved.status, 200);
    // B's treasurer (maybe the same account id in B's schema) keeps B's default.
    let theirs = get(&app, &b.host, "/api/v1/dashboard/layout", &b.token).await;
    assert_eq!(theirs.json["saved"], false, "{theirs:?}");
    // B's token on A's host, B's cookie on A's host: nothing of A's.
    assert_eq!(
        get(&app, &a.host, "/api/v1/dashboard/layout", &b.token)
            .await
            .status,
        401
    );
    let put = send(
        &app,
        "PUT",
        &a.host,
        "/api/v1/dashboard/layout",
        &json!({ "widgets": [] }),
        &b.token,
    )
    .await;
    assert_eq!(put.status, 401);
    let mut browser = Browser::signed_in_as(&app, &b.tenant, b.treasurer, Role::Treasurer).await;
    browser.host = a.host.clone();
    let page = browser.get("/dashboard/").await;
    assert_ne!(page.status, 200, "B's session opens nothing on A's host");
    assert!(!page.body.contains("dashboard-grid"));
    let layout = get(&app, &a.host, "/api/v1/dashboard/layout", &a.token).await;
    assert_eq!(ids(&layout.json), ["arrears"], "A's layout is A's");
}

#[tokio::test]
async fn the_api_is_documented() {
    let app = app().await;
    let desk = desk(&app, "dash-doc").await;
    let doc = api_client::get(&app, &desk.host, "/api/v1/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    let paths = &doc.json["paths"];
    for path in [
        "/api/v1/dashboard/widgets",
        "/api/v1/dashboard/widgets/catalogue",
    ] {
        assert!(paths[path]["get"].is_object(), "{path}");
    }
    assert!(paths["/api/v1/dashboard/layout"]["put"].is_object());
    assert!(paths["/api/v1/dashboard/layout"]["delete"].is_object());
    assert!(doc.json["components"]["schemas"]["WidgetData"].is_object());
}
