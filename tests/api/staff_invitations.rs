//! Invitations and sign-up approvals on the staff pages: one person, a CSV
//! of many (all or nothing, with a report per row), pending sign-ups
//! approved or refused, and the sign-up policy.

use reqwest::header::CONTENT_TYPE;
use tessera::accounts::model::Status;
use tessera::accounts::store;
use tessera::auth::Role;
use tessera::model::Email;

use crate::helpers::browser::{Browser, Page};
use crate::helpers::spawn_app;
use crate::staff::{audit, count_accounts, person, with_status};

async fn upload(browser: &mut Browser<'_>, csv: &str) -> Page {
    let token = browser.csrf();
    let boundary = "----tessera-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let request = browser
        .app
        .http
        .post(browser.url("/staff/invite/csv/"))
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    browser.send(request).await
}

#[tokio::test]
async fn a_csv_with_one_bad_row_invites_nobody() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-csv", "Staff CSV").await;
    let admin = person(
        &app,
        &tenant,
        "Alice Admin",
        "alice@example.org",
        Role::Admin,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    let before = count_accounts(&app, &tenant).await;

    let bad = "email;name;role\nann@example.org;Ann;member\nnot-an-email;Bob;editor\nALICE@example.org;Al;\n";
    let page = upload(&mut browser, bad).await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("not-an-email"), "the bad value is shown");
    assert!(
        page.body.contains("<td class=\"num\">3</td>"),
        "row 3 is named: {}",
        page.body
    );
    assert!(
        page.body.contains("<td class=\"num\">4</td>"),
        "row 4 (already a member)"
    );
    assert_eq!(
        count_accounts(&app, &tenant).await,
        before,
        "nothing written"
    );
    assert!(audit(&app, &tenant).await.is_empty());

    let good = "\u{feff}email,name,role\nann@example.org,Ann Onyme,member\nbob@example.org,Bob,editor\ncleo@example.org,Cléo,\n";
    let page = upload(&mut browser, good).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(count_accounts(&app, &tenant).await, before + 3);
    let mut tx = app.tenant_tx(&tenant).await;
    let bob = store::find_by_email(&mut tx, &Email::parse("bob@example.org").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((bob.role, bob.status), (Role::Editor, Status::Invited));
    let links: i64 =
        sqlx::query_scalar("SELECT count(*) FROM account_tokens WHERE purpose = 'invite'")
            .fetch_one(tx.conn().await.unwrap())
            .await
            .unwrap();
    assert_eq!(links, 3, "one invitation link each");
    drop(tx);
    let log = audit(&app, &tenant).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].0, "invitation.bulk");
    assert_eq!(log[0].3["count"], 3);
}

#[tokio::test]
async fn inviting_one_person_mails_a_link_and_refuses_a_known_address() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-inv", "Staff Invite").await;
    let admin = person(
        &app,
        &tenant,
        "Alice Admin",
        "alice@example.org",
        Role::Admin,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    let page = browser
        .post(
            "/staff/invite/",
            &[
                ("email", "Zoe@Example.org"),
                ("name", "Zoé"),
                ("role", "treasurer"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let again = browser
        .post(
            "/staff/invite/",
            &[
                ("email", "zoe@example.org"),
                ("name", "Zoé"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    let invalid = browser
        .post(
            "/staff/invite/",
            &[("email", "nope"), ("name", ""), ("role", "root")],
        )
        .await;
    assert_eq!(invalid.status, 422);
    assert_eq!(count_accounts(&app, &tenant).await, 2);
    let log = audit(&app, &tenant).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].0.as_str(), log[0].1),
        ("invitation.sent", Some(admin))
    );
}

#[tokio::test]
async fn pending_sign_ups_are_approved_or_refused_and_the_policy_is_set() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("staff-pend", "Staff Pending").await;
    let admin = person(
        &app,
        &tenant,
        "Alice Admin",
        "alice@example.org",
        Role::Admin,
    )
    .await;
    let yes = with_status(
        &app,
        &tenant,
        "Yann",
        "yann@example.org",
        Role::Member,
        Status::Pending,
    )
    .await;
    let no = with_status(
        &app,
        &tenant,
        "Noé",
        "noe@example.org",
        Role::Member,
        Status::Pending,
    )
    .await;
    let mut browser = Browser::signed_in_as(&app, &tenant, admin, Role::Admin).await;
    assert_eq!(
        browser
            .post(&format!("/staff/members/{yes}/approve"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        browser
            .post(&format!("/staff/members/{no}/refuse"), &[])
            .await
            .status,
        303
    );
    assert_eq!(
        browser
            .post(&format!("/staff/members/{yes}/approve"), &[])
            .await
            .status,
        409
    );
    let mut tx = app.tenant_tx(&tenant).await;
    assert_eq!(
        store::find(&mut tx, yes).await.unwrap().unwrap().status,
        Status::Active
    );
    assert!(store::find(&mut tx, no).await.unwrap().is_none());
    drop(tx);

    let page = browser
        .post("/staff/settings/signup/", &[("policy", "invitation")])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(
        browser
            .post("/staff/settings/signup/", &[("policy", "bogus")])
            .await
            .status,
        422
    );
    let page = browser.get("/staff/settings/signup/").await;
    assert!(
        page.body.contains("value=\"invitation\" checked"),
        "{}",
        page.body
    );
    let actions: Vec<String> = audit(&app, &tenant)
        .await
        .into_iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(
        actions,
        [
            "signup.approved",
            "signup.refused",
            "settings.signup_policy"
        ]
    );

    let log = browser.get("/staff/audit/?area=signup").await;
    assert_eq!(log.status, 200);
    assert!(log.body.contains("signup.refused") && !log.body.contains("settings.signup_policy"));
    assert!(log.body.contains("Alice Admin"), "actors are named");
}
