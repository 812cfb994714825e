//! Who sees a federation's clubs: its treasurers and admins only. An
//! unlinked tenant, the club itself, another tenant's token or cookie, a
//! member see nothing; a treasurer reads but changes nothing; when the
//! federation accepts last the club's figures are asked for at once; an
//! operator ending the link hides the club at once.

use reqwest::Method;
use serde_json::{Value, json};
use tessera::auth::Role;
use tessera::platform::operators::OperatorRole;

use crate::contributions_fixture::{PASSWORD, person};
use crate::federation::{get, post, propose, side};
use crate::helpers::api_client;
use crate::helpers::browser::Browser;
use crate::platform_api::{call, token};
use crate::reporting_platform::season;

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
    // The federation accepted last: the club's figures were asked for, by
    // a job that may queue behind the rest of the suite's on a busy runner.
    let mut seen = Value::Null;
    for _ in 0..300 {
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
