//! Federations: an operator proposes a link, both sides accept; the
//! federation then sees its club's published aggregates (matching the
//! club's own rows) and the dues it owes, never a member's name or
//! address until the club shares its list; a club that leaves is gone
//! from the federation's very next request (page and API). Who else sees
//! nothing: `federation_access`.

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
pub struct Side {
    pub tenant: Arc<Tenant>,
    pub host: String,
    pub admin: i64,
    pub token: String,
}

pub async fn side(app: &TestApp, prefix: &str, name: &str) -> Side {
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

pub async fn get(app: &TestApp, side: &Side, path: &str) -> Reply {
    api_client::get(app, &side.host, path, Some(&side.token)).await
}

pub async fn post(app: &TestApp, side: &Side, path: &str) -> Reply {
    api_client::post(app, &side.host, path, &json!({}), Some(&side.token)).await
}

/// The operator proposes `parent` → `child`; the link's id.
pub async fn propose(app: &TestApp, operator: &str, parent: &Side, child: &Side) -> i64 {
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
