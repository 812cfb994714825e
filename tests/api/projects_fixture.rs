//! What the projects tests start from: an editor and members signed in
//! through their browsers, projects written through the staff's form (and
//! opened with its button), and the gauge as the API reads it.

use std::sync::Arc;

use tessera::auth::Role;
use tessera::tenancy::Tenant;

use crate::helpers::TestApp;
use crate::helpers::api_client::get;
use crate::helpers::browser::{Browser, Page};
use crate::staff::person;

pub(crate) async fn editor<'a>(app: &'a TestApp, tenant: &Arc<Tenant>) -> Browser<'a> {
    let id = person(
        app,
        tenant,
        "Élise Éditrice",
        "elise@example.org",
        Role::Editor,
    )
    .await;
    Browser::signed_in_as(app, tenant, id, Role::Editor).await
}

/// A member, signed in; their account id and browser.
pub(crate) async fn member<'a>(
    app: &'a TestApp,
    tenant: &Arc<Tenant>,
    name: &str,
    email: &str,
) -> (i64, Browser<'a>) {
    let id = person(app, tenant, name, email, Role::Member).await;
    (
        id,
        Browser::signed_in_as(app, tenant, id, Role::Member).await,
    )
}

/// The staff's project form: a public project without goal, with the
/// fields of `changed` instead of the defaults.
pub(crate) fn form<'a>(title: &'a str, changed: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("title", title),
        ("slug", ""),
        ("summary", ""),
        ("description", ""),
        ("goal", ""),
        ("deadline", ""),
        ("visibility", "public"),
        ("volunteers_wanted", ""),
        ("volunteer_roles", ""),
        ("action", "save"),
    ];
    for (name, value) in changed {
        match fields.iter_mut().find(|(k, _)| k == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
        }
    }
    fields
}

/// The id at the end of a redirect to `/staff/projects/{id}`.
pub(crate) fn id_of(page: &Page) -> i64 {
    let location = page.location.as_deref().expect("a redirect");
    location
        .trim_start_matches("/staff/projects/")
        .parse()
        .unwrap_or_else(|_| panic!("an id in {location}"))
}

/// A project written by `editor` and opened; its id.
pub(crate) async fn open_project(
    editor: &mut Browser<'_>,
    title: &str,
    changed: &[(&str, &str)],
) -> i64 {
    let saved = editor
        .post("/staff/projects/new", &form(title, changed))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let id = id_of(&saved);
    let opened = editor
        .post(&format!("/staff/projects/{id}/open"), &[])
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    id
}

/// The gauge of project `id` as an anonymous API client reads it:
/// (raised, in cents; donors).
pub(crate) async fn gauge(app: &TestApp, host: &str, id: i64) -> (i64, i64) {
    let reply = get(app, host, &format!("/api/v1/projects/{id}"), None).await;
    assert_eq!(reply.status, 200, "{:?}", reply.json);
    let raised = reply.json["raised"]["minor"].as_i64().expect("raised");
    let donors = reply.json["donors"].as_i64().expect("donors");
    (raised, donors)
}
