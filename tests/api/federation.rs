//! Federations: an operator proposes a link, both sides accept; the
//! federation then sees its club's published aggregates (matching the
//! club's own rows) and the dues it owes, never a member's name or
//! address until the club shares its list; a club that leaves is gone
//! from the federation's very next request (page and API). An unlinked
//! tenant, a member, another tenant's token or cookie see nothing.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::Tenant;

use crate::contributions_fixture::{PASSWORD, person};
use crate::helpers::TestApp;
use crate::helpers::api_client::{self, Reply};
use crate::helpers::browser::Browser;
use crate::platform_api::{call, token};
use crate::reporting_platform::season;

/// A tenant, its admin's account and token.
struct Side {
    tenant: Arc<Tenant>,
    host: String,
    admin: i64,
    token: String,
}

async fn side(app: &TestApp, prefix: &str, name: &str) -> Side {
    let (tenant, _) = app.create_tenant(prefix, name).await;
    let host = tenant.default_host.to_string();
    let email = format!("admin@{}.test", tenant.slug);
    let admin = person(app, &tenant, &email, "Ada Admin", Role::Admin, true).await;
    let (token, _) = api_client::login(app, &host, &email, PASSWORD).await;
    Side {
        tenant,
        host,
        admin,
        token,
    }
}

async fn get(app: &TestApp, side: &Side, path: &str) -> Reply {
    api_client::get(app, &side.host, path, Some(&side.token)).await
}

async fn post(app: &TestApp, side: &Side, path: &str) -> Reply {
    api_client::post(app, &side.host, path, &json!({}), Some(&side.token)).await
}

/// The operator proposes `parent` → `child`; the link's id.
async fn propose(app: &TestApp, operator: &str, parent: &Side, child: &Side) -> i64 {
    let body =
        json!({ "parent": parent.tenant.slug.as_str(), "child": child.tenant.slug.as_str() });
    let (status, link) = call(
        app,
        operator,
        Method::POST,
        "/api/v1/platform/federations",
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{link}");
    assert_eq!(link["state"], "proposed");
    link["id"].as_i64().expect("id")
}

fn slugs(clubs: &Value) -> Vec<String> {
    clubs
        .as_array()
        .expect("clubs")
        .iter()
        .map(|c| c["slug"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_federation_sees_its_clubs_aggregates_and_never_a_member() {
    let app = crate::contributions_fixture::app().await;
    let operator = token(&app, OperatorRole::Operator).await;
    let fed = side(&app, "fed", "Fédération").await;
    let club = side(&app, "club", "Club").await;
    let outsider = side(&app, "out", "Outsider").await;
    let holders = season(&app, &club.tenant, 2, 1).await;
    let link = propose(&app, &operator, &fed, &club).await;

    // A second live link for the same club is refused.
    let again =
        json!({ "parent": outsider.tenant.slug.as_str(), "child": club.tenant.slug.as_str() });
    let (status, _) = call(
        &app,
        &operator,
        Method::POST,
        "/api/v1/platform/federations",
        Some(again),
    )
    .await;
    assert_eq!(status, 409);

    // Proposed is not active: the federation sees no club yet.
    let standing = get(&app, &club, "/api/v1/federation").await;
    assert_eq!(standing.status, 200, "{}", standing.json);
    assert_eq!(standing.json["as_club"]["state"], "proposed");
    // Someone else cannot accept it for them.
    let stranger = post(
        &app,
        &outsider,
        &format!("/api/v1/federation/links/{link}/accept"),
    )
    .await;
    assert_eq!(stranger.status, 404);
    let accepted = post(
        &app,
        &fed,
        &format!("/api/v1/federation/links/{link}/accept"),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.json);
    assert_eq!(
        get(&app, &fed, "/api/v1/federation/clubs").await.json,
        json!([])
    );

    // The club accepts last, on its page: its figures are published at once.
    let mut browser = Browser::signed_in_as(&app, &club.tenant, club.admin, Role::Admin).await;
    let csrf = browser.csrf();
    let done = browser
        .post(
            "/staff/federation",
            &[
                ("csrf_token", csrf.as_str()),
                ("action", "accept"),
                ("link_id", &link.to_string()),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);

    let dues = api_client::call(
        &app,
        "PUT",
        &fed.host,
        "/api/v1/federation/dues",
        &json!({ "per_licence_minor": 1250, "currency": "EUR" }),
        Some(&fed.token),
    )
    .await;
    assert_eq!(dues.status, 200, "{}", dues.json);

    let clubs = get(&app, &fed, "/api/v1/federation/clubs").await;
    assert_eq!(clubs.status, 200, "{}", clubs.json);
    assert_eq!(slugs(&clubs.json), vec![club.tenant.slug.to_string()]);
    let c = &clubs.json[0];
    let own = crate::contributions_fixture::scalar(
        &app,
        &club.tenant,
        "SELECT count(DISTINCT account_id) FROM memberships
         WHERE starts_on <= current_date AND ends_on >= current_date",
    )
    .await;
    assert_eq!(c["licences"], own, "{c}");
    assert_eq!(c["licences"], 3);
    assert_eq!(c["dues_owed_minor"], 3 * 1250, "{c}");
    assert_eq!(
        c["by_plan"],
        json!([{ "plan": "Adult", "licences": 2 }, { "plan": "Youth", "licences": 1 }])
    );

    // No member's name or address anywhere the federation reads.
    let page = Browser::signed_in_as(&app, &fed.tenant, fed.admin, Role::Admin)
        .await
        .get("/staff/federation")
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains(&format!("id=\"club-{}\"", club.tenant.slug)),
        "{}",
        page.body
    );
    let csv = roll_up(&app, &fed).await;
    assert!(
        csv.contains(&format!("{},", club.tenant.slug)) && csv.contains(",37.50,EUR"),
        "{csv}"
    );
    for text in [clubs.json.to_string(), page.body.clone(), csv.clone()] {
        for h in &holders {
            assert!(
                !text.contains(&h.name) && !text.contains(&h.email),
                "{} leaked",
                h.name
            );
        }
    }
    let list = format!(
        "/api/v1/federation/clubs/{}/lists/licence-holders",
        club.tenant.slug
    );
    assert_eq!(get(&app, &fed, &list).await.status, 404);

    let workbook = app
        .http
        .get(format!("http://{}/api/v1/federation/clubs.xlsx", app.addr))
        .header("host", &fed.host)
        .bearer_auth(&fed.token)
        .send()
        .await
        .expect("xlsx");
    assert_eq!(workbook.status(), 200);
    assert!(workbook.bytes().await.expect("bytes").starts_with(b"PK"));

    // The club shares its list of licence holders: names, no address.
    let shared = api_client::post(
        &app,
        &club.host,
        "/api/v1/federation/lists",
        &json!({ "list": "licence-holders" }),
        Some(&club.token),
    )
    .await;
    assert_eq!(shared.status, 204, "{}", shared.json);
    let rows = get(&app, &fed, &list).await;
    assert_eq!(rows.status, 200, "{}", rows.json);
    let text = rows.json.to_string();
    assert!(
        holders
            .iter()
            .all(|h| text.contains(&h.name) && !text.contains(&h.email)),
        "{text}"
    );
    assert!(!text.contains("Gone Member"));
    // Withdrawn: gone.
    let withdrawn = api_client::call(
        &app,
        "DELETE",
        &club.host,
        "/api/v1/federation/lists/licence-holders",
        &json!({}),
        Some(&club.token),
    )
    .await;
    assert_eq!(withdrawn.status, 204);
    assert_eq!(get(&app, &fed, &list).await.status, 404);

    // The club leaves: the federation's next requests no longer show it.
    let left = post(
        &app,
        &club,
        &format!("/api/v1/federation/links/{link}/leave"),
    )
    .await;
    assert_eq!(left.status, 204, "{}", left.json);
    assert_eq!(
        get(&app, &fed, "/api/v1/federation/clubs").await.json,
        json!([])
    );
    let page = Browser::signed_in_as(&app, &fed.tenant, fed.admin, Role::Admin)
        .await
        .get("/staff/federation")
        .await;
    assert!(
        !page
            .body
            .contains(&format!("id=\"club-{}\"", club.tenant.slug)),
        "{}",
        page.body
    );
    assert!(
        !roll_up(&app, &fed)
            .await
            .contains(club.tenant.slug.as_str())
    );
}

async fn roll_up(app: &TestApp, side: &Side) -> String {
    let reply = app
        .http
        .get(format!("http://{}/api/v1/federation/clubs.csv", app.addr))
        .header("host", &side.host)
        .bearer_auth(&side.token)
        .send()
        .await
        .expect("csv");
    assert_eq!(reply.status(), 200);
    reply.text().await.expect("body")
}

#[tokio::test]
async fn nobody_else_sees_a_federations_clubs() {
    let app = crate::contributions_fixture::app().await;
    let operator = token(&app, OperatorRole::Operator).await;
    let fed = side(&app, "fedx", "Fédération X").await;
    let club = side(&app, "clubx", "Club X").await;
    let outsider = side(&app, "outx", "Outsider X").await;
    season(&app, &club.tenant, 1, 0).await;
    let link = propose(&app, &operator, &fed, &club).await;
    assert_eq!(
        post(
            &app,
            &club,
            &format!("/api/v1/federation/links/{link}/accept")
        )
        .await
        .status,
        200
    );
    assert_eq!(
        post(
            &app,
            &fed,
            &format!("/api/v1/federation/links/{link}/accept")
        )
        .await
        .status,
        200
    );
    // The federation accepted last: the club's figures were asked for.
    let mut seen = Value::Null;
    for _ in 0..50 {
        seen = get(&app, &fed, "/api/v1/federation/clubs").await.json;
        if seen[0]["day"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(seen[0]["licences"], 1, "{seen}");

    // An unlinked tenant sees no club, and cannot read the club's lists.
    assert_eq!(
        get(&app, &outsider, "/api/v1/federation/clubs").await.json,
        json!([])
    );
    let list = format!(
        "/api/v1/federation/clubs/{}/lists/licence-holders",
        club.tenant.slug
    );
    assert_eq!(get(&app, &outsider, &list).await.status, 404);
    // The club itself is no federation of its own federation.
    assert_eq!(
        get(&app, &club, "/api/v1/federation/clubs").await.json,
        json!([])
    );
    // Another tenant's token on the federation's host: refused.
    let foreign = api_client::get(
        &app,
        &fed.host,
        "/api/v1/federation/clubs",
        Some(&outsider.token),
    )
    .await;
    assert_eq!(foreign.status, 401);
    // Another tenant's cookie on the federation's host: no page.
    let mut intruder =
        Browser::signed_in_as(&app, &outsider.tenant, outsider.admin, Role::Admin).await;
    intruder.host = fed.host.clone();
    let page = intruder.get("/staff/federation").await;
    assert!(
        page.status == 303 || page.status == 401 || page.status == 403,
        "{}",
        page.status
    );
    assert!(!page.body.contains(club.tenant.slug.as_str()));
    // A member of the federation: neither the API nor the page.
    let email = format!("member@{}.test", fed.tenant.slug);
    let member = person(&app, &fed.tenant, &email, "Mo Member", Role::Member, true).await;
    let (member_token, _) = api_client::login(&app, &fed.host, &email, PASSWORD).await;
    let reply = api_client::get(
        &app,
        &fed.host,
        "/api/v1/federation/clubs",
        Some(&member_token),
    )
    .await;
    assert_eq!(reply.status, 403);
    let page = Browser::signed_in_as(&app, &fed.tenant, member, Role::Member)
        .await
        .get("/staff/federation")
        .await;
    assert_eq!(page.status, 403);
    assert!(!page.body.contains(club.tenant.slug.as_str()));
    // A treasurer reads but may not change anything.
    let email = format!("treasurer@{}.test", fed.tenant.slug);
    person(
        &app,
        &fed.tenant,
        &email,
        "Tess Treasurer",
        Role::Treasurer,
        true,
    )
    .await;
    let (treasurer, _) = api_client::login(&app, &fed.host, &email, PASSWORD).await;
    let reply = api_client::get(
        &app,
        &fed.host,
        "/api/v1/federation/clubs",
        Some(&treasurer),
    )
    .await;
    assert_eq!(reply.status, 200);
    let reply = api_client::post(
        &app,
        &fed.host,
        &format!("/api/v1/federation/links/{link}/leave"),
        &json!({}),
        Some(&treasurer),
    )
    .await;
    assert_eq!(reply.status, 403);

    // An operator ends the link: gone at once.
    let (status, _) = call(
        &app,
        &operator,
        Method::DELETE,
        &format!("/api/v1/platform/federations/{link}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        get(&app, &fed, "/api/v1/federation/clubs").await.json,
        json!([])
    );
}
