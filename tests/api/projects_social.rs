//! Projects over real HTTP, what members do: comments (plain text; a
//! hidden one reaches neither members nor anonymous visitors, by page or
//! API; a locked project takes none; a member cannot moderate) and
//! volunteers (sign up with a note, withdraw, a full project takes no one
//! more; staff see the list and its CSV).

use serde_json::json;
use tessera::auth::Role;

use crate::api_auth::PASSWORD;
use crate::contributions_desk::scalar;
use crate::helpers::api_client::{call, get, login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;
use crate::projects_fixture::{editor, member, open_project};

#[tokio::test]
async fn hidden_comments_reach_no_member_and_a_locked_project_takes_none() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-comments", "Commentaires").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let id = open_project(&mut editor, "Atelier réparation", &[]).await;
    let (_, mut ana) = member(&app, &tenant, "Ana Membre", "ana@example.org").await;
    let (_, mut bob) = member(&app, &tenant, "Bob Membre", "bob@example.org").await;
    let comments = format!("/projects/{id}/comments");

    let posted = ana
        .post(
            &comments,
            &[("body", "Super projet !\n<script>alert(1)</script>")],
        )
        .await;
    assert_eq!(posted.status, 303, "{}", posted.body);
    let spam = bob
        .post(&comments, &[("body", "Achetez mes vélos volés")])
        .await;
    assert_eq!(spam.status, 303, "{}", spam.body);
    let spam_id = scalar(&app, &tenant, "SELECT max(id) FROM project_comments").await;
    let page = app.get_text(&host, "/projects/atelier-reparation").await.1;
    assert!(
        page.contains("Super projet") && page.contains("vélos volés"),
        "{page}"
    );
    assert!(
        page.contains("&lt;script&gt;") && !page.contains("<script>alert"),
        "{page}"
    );

    // A member cannot hide, by page or API; staff can.
    let hide = format!("/staff/projects/{id}/comments/{spam_id}/hide");
    assert_eq!(ana.post(&hide, &[]).await.status, 403);
    create_account(&app, &tenant, "m@example.org", PASSWORD, Role::Member).await;
    let (token, _) = login(&app, &host, "m@example.org", PASSWORD).await;
    let api_hide = format!("/api/v1/projects/{id}/comments/{spam_id}/hide");
    assert_eq!(
        post(&app, &host, &api_hide, &json!(null), Some(&token))
            .await
            .status,
        403
    );
    let hidden = "SELECT count(*) FROM project_comments WHERE hidden_at IS NOT NULL";
    assert_eq!(scalar(&app, &tenant, hidden).await, 0);
    assert_eq!(editor.post(&hide, &[]).await.status, 303);
    assert_eq!(scalar(&app, &tenant, hidden).await, 1);

    // Hidden: not for anonymous visitors, members (its author included) or
    // the API; staff still see it, marked.
    let anonymous = app.get_text(&host, "/projects/atelier-reparation").await.1;
    assert!(anonymous.contains("Super projet") && !anonymous.contains("vélos volés"));
    for browser in [&mut ana, &mut bob] {
        let seen = browser.get("/projects/atelier-reparation").await.body;
        assert!(!seen.contains("vélos volés"), "{seen}");
    }
    let listed = get(
        &app,
        &host,
        &format!("/api/v1/projects/{id}/comments"),
        None,
    )
    .await;
    assert_eq!(
        listed.json.as_array().map(Vec::len),
        Some(1),
        "{:?}",
        listed.json
    );
    let listed = get(
        &app,
        &host,
        &format!("/api/v1/projects/{id}/comments"),
        Some(&token),
    )
    .await;
    assert_eq!(listed.json.as_array().map(Vec::len), Some(1));
    let staff = editor
        .get(&format!("/staff/projects/{id}/comments"))
        .await
        .body;
    assert!(
        staff.contains("vélos volés") && staff.contains("comment--hidden"),
        "{staff}"
    );
    // Its author cannot delete what they can no longer see.
    let gone = bob.post(&format!("{comments}/{spam_id}/delete"), &[]).await;
    assert_eq!(gone.status, 404);

    // Locked: no new comment from a member, by page or API.
    assert_eq!(
        editor
            .post(&format!("/staff/projects/{id}/lock"), &[])
            .await
            .status,
        303
    );
    let count = "SELECT count(*) FROM project_comments";
    let refused = ana.post(&comments, &[("body", "Encore un mot")]).await;
    assert_eq!(refused.status, 303);
    let shown = ana.get("/projects/atelier-reparation").await.body;
    assert!(
        shown.contains("commentaires de ce projet sont fermés"),
        "{shown}"
    );
    let api_comments = format!("/api/v1/projects/{id}/comments");
    let locked = post(
        &app,
        &host,
        &api_comments,
        &json!({ "body": "Et par l’API ?" }),
        Some(&token),
    )
    .await;
    assert_eq!(locked.status, 409, "{:?}", locked.json);
    assert_eq!(scalar(&app, &tenant, count).await, 2);
    let audit = "SELECT count(*) FROM audit_log WHERE action IN ('project.comment_hidden', 'project.comments_locked')";
    assert_eq!(scalar(&app, &tenant, audit).await, 2);

    // Unlocked: the API takes a comment; its author deletes it.
    assert_eq!(
        editor
            .post(&format!("/staff/projects/{id}/unlock"), &[])
            .await
            .status,
        303
    );
    let made = post(
        &app,
        &host,
        &api_comments,
        &json!({ "body": "Par l’API" }),
        Some(&token),
    )
    .await;
    assert_eq!(made.status, 201, "{:?}", made.json);
    let mine = made.json["id"].as_i64().expect("id");
    let path = format!("/api/v1/projects/{id}/comments/{mine}");
    assert_eq!(
        call(&app, "DELETE", &host, &path, &json!(null), Some(&token))
            .await
            .status,
        204
    );
    assert_eq!(scalar(&app, &tenant, count).await, 2);
}

#[tokio::test]
async fn volunteers_sign_up_withdraw_and_a_full_project_takes_no_more() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("proj-volunteers", "Bénévoles").await;
    let host = tenant.default_host.to_string();
    let mut editor = editor(&app, &tenant).await;
    let changed = [
        ("volunteering", "on"),
        ("volunteers_wanted", "2"),
        ("volunteer_roles", "Tenir le stand, monter les étagères"),
    ];
    let id = open_project(&mut editor, "Fête du vélo", &changed).await;
    let (_, mut ana) = member(&app, &tenant, "Ana Bénévole", "ana@example.org").await;
    let (_, mut bob) = member(&app, &tenant, "Bob Bénévole", "bob@example.org").await;
    let (_, mut cleo) = member(&app, &tenant, "Cléo Bénévole", "cleo@example.org").await;
    let sign_up = format!("/projects/{id}/volunteer");
    let count = format!("SELECT count(*) FROM project_volunteers WHERE project_id = {id}");

    let page = ana.get("/projects/fete-du-velo").await.body;
    assert!(
        page.contains("Tenir le stand") && page.contains(&sign_up),
        "{page}"
    );
    assert_eq!(
        ana.post(&sign_up, &[("note", "samedi matin")]).await.status,
        303
    );
    assert!(
        ana.get("/projects/fete-du-velo")
            .await
            .body
            .contains("/volunteer/withdraw")
    );
    // Twice is once.
    assert_eq!(ana.post(&sign_up, &[("note", "")]).await.status, 303);
    assert_eq!(bob.post(&sign_up, &[("note", "=1+1")]).await.status, 303);
    assert_eq!(scalar(&app, &tenant, &count).await, 2);

    // Full: Cléo is turned away, by page and API.
    let full = cleo.post(&sign_up, &[]).await;
    assert_eq!(full.status, 303);
    let shown = cleo.get("/projects/fete-du-velo").await.body;
    assert!(
        shown.contains("Complet") && !shown.contains("name=\"note\""),
        "{shown}"
    );
    create_account(&app, &tenant, "dan@example.org", PASSWORD, Role::Member).await;
    let (dan, _) = login(&app, &host, "dan@example.org", PASSWORD).await;
    let api = format!("/api/v1/projects/{id}/volunteers");
    let refused = post(&app, &host, &api, &json!({ "note": "" }), Some(&dan)).await;
    assert_eq!(refused.status, 409, "{:?}", refused.json);
    assert_eq!(scalar(&app, &tenant, &count).await, 2);

    // Ana withdraws; a place opens for Dan through the API.
    let withdrawn = ana
        .post(&format!("/projects/{id}/volunteer/withdraw"), &[])
        .await;
    assert_eq!(withdrawn.status, 303);
    let joined = post(&app, &host, &api, &json!({ "note": "le soir" }), Some(&dan)).await;
    assert_eq!(joined.status, 201, "{:?}", joined.json);
    assert_eq!(joined.json["full"], true);
    let again = ana
        .post(&format!("/projects/{id}/volunteer/withdraw"), &[])
        .await;
    assert_eq!(again.status, 303, "not signed up: a flash, nothing else");
    assert_eq!(scalar(&app, &tenant, &count).await, 2);

    // Staff see who, and the CSV (a formula is defused); members do not.
    let list = editor
        .get(&format!("/staff/projects/{id}/volunteers"))
        .await;
    assert!(
        list.body.contains("bob@example.org") && list.body.contains("le soir"),
        "{}",
        list.body
    );
    let csv = editor
        .get(&format!("/staff/projects/{id}/volunteers.csv"))
        .await;
    assert!(
        csv.content_type.starts_with("text/csv"),
        "{}",
        csv.content_type
    );
    assert!(
        csv.body.starts_with("name,email,note,signed_up_at"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("Bob Bénévole,bob@example.org,'=1+1"),
        "{}",
        csv.body
    );
    assert_eq!(
        bob.get(&format!("/staff/projects/{id}/volunteers"))
            .await
            .status,
        403
    );
    assert_eq!(
        bob.get(&format!("/staff/projects/{id}/volunteers.csv"))
            .await
            .status,
        403
    );
    assert_eq!(get(&app, &host, &api, Some(&dan)).await.status, 403);

    // Dan withdraws through the API.
    let me = format!("/api/v1/projects/{id}/volunteers/me");
    assert_eq!(
        call(&app, "DELETE", &host, &me, &json!(null), Some(&dan))
            .await
            .status,
        204
    );
    assert_eq!(
        call(&app, "DELETE", &host, &me, &json!(null), Some(&dan))
            .await
            .status,
        409
    );
    assert_eq!(scalar(&app, &tenant, &count).await, 1);
}
