//! Projects over real HTTP, who reaches what: a members-only project or a
//! draft is a 404 to those who may not see it, in the list, on its page
//! and through the API; bad input is a form message or a 422 problem and
//! changes nothing; another tenant's ids, host, cookie and token reach
//! nothing.

use serde_json::json;
use tessera::auth::Role;

use crate::api_auth::PASSWORD;
use crate::contributions_desk::{scalar, treasurer};
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;
use crate::projects_fixture::{editor, form, id_of, member, open_project};
use crate::staff::person;

#[tokio::test]
async fn members_only_projects_and_drafts_are_404_to_those_who_may_not_see_them() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-members", "Réservé").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    open_project(&mut editor, "Ouvert à tous", &[]).await;
    let secret = open_project(&mut editor, "Code du local", &[("visibility", "members")]).await;
    let draft = editor
        .post("/staff/projects/new", &form("Brouillon caché", &[]))
        .await;
    let draft = id_of(&draft);

    let (_, list) = app.get_text(&host, "/projects").await;
    assert!(
        list.contains("Ouvert à tous") && !list.contains("Code du local"),
        "{list}"
    );
    assert!(!list.contains("Brouillon caché"));
    for path in [
        "/projects/code-du-local".to_owned(),
        format!("/projects/{secret}"),
        format!("/projects/{draft}"),
        "/projects/brouillon-cache".to_owned(),
    ] {
        assert_eq!(app.get_text(&host, &path).await.0, 404, "{path}");
    }
    let api = get(&app, &host, "/api/v1/projects", None).await;
    let titles: Vec<&str> = api.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["title"].as_str())
        .collect();
    assert_eq!(titles, ["Ouvert à tous"]);
    for path in [
        format!("/api/v1/projects/{secret}"),
        format!("/api/v1/projects/{secret}/comments"),
        format!("/api/v1/projects/{secret}/updates"),
        format!("/api/v1/projects/{draft}"),
    ] {
        let reply = get(&app, &host, &path, None).await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.is_problem());
    }

    // A member sees the members-only one, never the draft; staff both.
    let (_, mut member) = member(&app, &tenant, "Marc Membre", "marc@example.org").await;
    assert!(member.get("/projects").await.body.contains("Code du local"));
    assert_eq!(member.get("/projects/code-du-local").await.status, 200);
    assert_eq!(member.get(&format!("/projects/{draft}")).await.status, 404);
    create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    let (token, _) = login(&app, &host, "m@example.org", PASSWORD).await;
    let listed = get(&app, &host, "/api/v1/projects", Some(&token)).await;
    assert_eq!(listed.json["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        get(
            &app,
            &host,
            &format!("/api/v1/projects/{draft}"),
            Some(&token)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        get(&app, &host, "/api/v1/projects?status=draft", Some(&token))
            .await
            .status,
        403
    );
    assert_eq!(editor.get(&format!("/projects/{draft}")).await.status, 200);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-bad", "Refus").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let id = open_project(&mut editor, "Local", &[("slug", "local")]).await;
    let projects = "SELECT count(*) FROM projects";
    let version = "SELECT count(*) FROM projects WHERE title = 'Local' AND goal_minor IS NULL";
    for (changed, message) in [
        (vec![("title", "   ")], "Donnez un titre"),
        (vec![("goal", "-5")], "montant positif"),
        (vec![("goal", "trois mille")], "montant positif"),
        (vec![("deadline", "demain")], "Indiquez une date"),
        (vec![("slug", "123")], "lettres minuscules"),
        (vec![("slug", "local")], "a déjà cette adresse"),
        (vec![("visibility", "everyone")], "qui peut voir"),
        (vec![("volunteers_wanted", "0")], "entre 1 et 10"),
    ] {
        let page = editor
            .post("/staff/projects/new", &form("Neuf", &changed))
            .await;
        assert_eq!(page.status, 422, "{changed:?}");
        assert!(page.body.contains(message), "{changed:?}: {}", page.body);
        // Its own address is no conflict for the project itself.
        if changed != [("slug", "local")] {
            let edit = editor
                .post(&format!("/staff/projects/{id}"), &form("Local", &changed))
                .await;
            assert_eq!(edit.status, 422, "{changed:?}");
        }
    }
    assert_eq!(scalar(&app, &tenant, projects).await, 1);
    assert_eq!(scalar(&app, &tenant, version).await, 1);

    create_account(&app, &tenant, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token, _) = login(&app, &host, "ed@example.org", PASSWORD).await;
    for body in [
        json!({ "title": "" }),
        json!({ "title": "T", "goal": { "minor": 5000, "currency": "USD" } }),
        json!({ "title": "T", "goal": { "minor": -1, "currency": "EUR" } }),
        json!({ "title": "T", "colour": "red" }),
        json!({ "title": "T", "slug": "Pas Bon" }),
        json!({ "title": "T", "volunteers_wanted": 100000 }),
    ] {
        let reply = post(&app, &host, "/api/v1/projects", &body, Some(&token)).await;
        assert_eq!(reply.status, 422, "{body}: {:?}", reply.json);
        assert!(reply.is_problem());
    }
    let status = format!("/api/v1/projects/{id}/status");
    let bad = post(
        &app,
        &host,
        &status,
        &json!({ "status": "done" }),
        Some(&token),
    )
    .await;
    assert_eq!(bad.status, 422);
    let comments = format!("/api/v1/projects/{id}/comments");
    for body in ["", "   ", &"x".repeat(2001)] {
        let reply = post(
            &app,
            &host,
            &comments,
            &json!({ "body": body }),
            Some(&token),
        )
        .await;
        assert_eq!(reply.status, 422, "{:?}", reply.json);
    }
    let (_, mut member) = member(&app, &tenant, "Marc Membre", "marc@example.org").await;
    let long = "x".repeat(2001);
    let page = member
        .post(&format!("/projects/{id}/comments"), &[("body", &long)])
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("limité à 2 000"), "{}", page.body);
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM project_comments").await,
        0
    );
    // Members do not write projects.
    let refused = member
        .post("/staff/projects/new", &form("Intrus", &[]))
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(scalar(&app, &tenant, projects).await, 1);

    // Money for a project that is not open, or that also pays dues, is
    // refused with nothing written.
    let (_, mut desk) = treasurer(&app, &tenant).await;
    let payer = person(
        &app,
        &tenant,
        "Paul Payeur",
        "paul@example.org",
        Role::Member,
    )
    .await;
    assert_eq!(
        editor
            .post(&format!("/staff/projects/{id}/closed"), &[])
            .await
            .status,
        303
    );
    let payer_text = payer.to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    let project = id.to_string();
    let fields = [
        ("payer", payer_text.as_str()),
        ("method", "cash"),
        ("amount", "20"),
        ("received_on", today.as_str()),
        ("project_id", project.as_str()),
    ];
    let page = desk.post("/treasury/payments/new", &fields).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("pas ouvert aux dons"), "{}", page.body);
    let mut unknown = fields.to_vec();
    unknown[4] = ("project_id", "abc");
    assert_eq!(
        desk.post("/treasury/payments/new", &unknown).await.status,
        422
    );
    assert_eq!(
        editor
            .post(&format!("/staff/projects/{id}/open"), &[])
            .await
            .status,
        303
    );
    let mut ticked = fields.to_vec();
    ticked.push(("memberships", "1"));
    let page = desk.post("/treasury/payments/new", &ticked).await;
    assert_eq!(page.status, 422);
    assert!(
        page.body.contains("décochez les adhésions"),
        "{}",
        page.body
    );
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM payments").await,
        0
    );
    assert_eq!(
        scalar(&app, &tenant, "SELECT count(*) FROM ledger_entries").await,
        0
    );
    // Deleting a project that money was earmarked for is refused.
    assert_eq!(
        desk.post("/treasury/payments/new", &fields).await.status,
        303
    );
    let delete = call(
        &app,
        "DELETE",
        &host,
        &format!("/api/v1/projects/{id}"),
        &json!(null),
        Some(&token),
    )
    .await;
    assert_eq!(delete.status, 409, "{:?}", delete.json);
    assert_eq!(scalar(&app, &tenant, projects).await, 1);
}

#[tokio::test]
async fn another_tenants_ids_host_cookie_and_token_reach_nothing() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("proj-iso-a", "Alpha").await;
    let (b, _) = app.create_tenant("proj-iso-b", "Bêta").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    let mut editor_a = editor(&app, &a).await;
    let changed = [("visibility", "members"), ("volunteering", "on")];
    let id = open_project(&mut editor_a, "Secret d’Alpha", &changed).await;

    // B's people, on B's host, name A's id: nothing there, nothing changed.
    let mut editor_b = editor(&app, &b).await;
    assert_eq!(
        editor_b.get(&format!("/staff/projects/{id}")).await.status,
        404
    );
    assert_eq!(
        editor_b
            .post(&format!("/staff/projects/{id}/archived"), &[])
            .await
            .status,
        404
    );
    let edited = editor_b
        .post(&format!("/staff/projects/{id}"), &form("Volé", &[]))
        .await;
    assert_eq!(edited.status, 404);
    assert_eq!(
        editor_b
            .get(&format!("/staff/projects/{id}/volunteers.csv"))
            .await
            .status,
        404
    );
    let (_, mut member_b) = member(&app, &b, "Bruno", "bruno@example.org").await;
    assert_eq!(member_b.get(&format!("/projects/{id}")).await.status, 404);
    let comment = member_b
        .post(&format!("/projects/{id}/comments"), &[("body", "Coucou")])
        .await;
    assert_eq!(comment.status, 404);
    assert_eq!(
        member_b
            .post(&format!("/projects/{id}/volunteer"), &[])
            .await
            .status,
        404
    );
    let (_, mut desk_b) = treasurer(&app, &b).await;
    let payer = person(&app, &b, "Paul", "paul@example.org", Role::Member)
        .await
        .to_string();
    let today = chrono::Utc::now().date_naive().to_string();
    let project = id.to_string();
    let fields = [
        ("payer", payer.as_str()),
        ("method", "cash"),
        ("amount", "20"),
        ("received_on", today.as_str()),
        ("project_id", project.as_str()),
    ];
    assert_eq!(
        desk_b.post("/treasury/payments/new", &fields).await.status,
        422
    );

    // A's session cookie on B's host opens nothing there.
    editor_a.host = host_b.clone();
    assert_ne!(
        editor_a.get("/staff/projects").await.status,
        200,
        "A's cookie opened B's pages"
    );
    editor_a.host = host_a.clone();

    // A's token on B's API is refused; B's token does not find A's id.
    create_account(&app, &a, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token_a, _) = login(&app, &host_a, "ed@example.org", PASSWORD).await;
    let foreign = post(
        &app,
        &host_b,
        "/api/v1/projects",
        &json!({ "title": "Intrus" }),
        Some(&token_a),
    )
    .await;
    assert_eq!(foreign.status, 401);
    let path = format!("/api/v1/projects/{id}");
    assert_eq!(get(&app, &host_b, &path, Some(&token_a)).await.status, 401);
    create_account(&app, &b, "ed@example.org", PASSWORD, Role::Editor).await;
    let (token_b, _) = login(&app, &host_b, "ed@example.org", PASSWORD).await;
    assert_eq!(get(&app, &host_b, &path, Some(&token_b)).await.status, 404);
    let patch = call(
        &app,
        "PATCH",
        &host_b,
        &path,
        &json!({ "title": "Volé" }),
        Some(&token_b),
    )
    .await;
    assert_eq!(patch.status, 404);
    let volunteers = format!("{path}/volunteers");
    assert_eq!(
        get(&app, &host_b, &volunteers, Some(&token_b)).await.status,
        404
    );

    let kept = "SELECT count(*) FROM projects WHERE title = 'Secret d’Alpha' AND status = 'open'";
    assert_eq!(scalar(&app, &a, kept).await, 1);
    for table in [
        "projects",
        "project_comments",
        "project_volunteers",
        "payments",
    ] {
        let count = format!("SELECT count(*) FROM {table}");
        assert_eq!(scalar(&app, &b, &count).await, 0, "{table}");
    }
}
