//! Projects in a real browser (headless Chromium at 360 px, no JavaScript
//! of ours): the list, a project's page for a visitor and for a signed-in
//! member (who volunteers with a plain form), and the staff's form fit a
//! phone (2,400 px tall, so each screenshot holds the whole page). They
//! are kept under `target/screenshots/projects-*.png`.

use fantoccini::{Client, Locator};
use tessera::auth::Role;
use tessera::seed;

use crate::browser::{browser, overflows, start_chromedriver, tempdir};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;

async fn sign_in(client: &Client, base: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base}/accounts/login/"))
        .await
        .expect("login");
    let field = client.find(Locator::Id("f-email")).await.expect("email");
    field.send_keys(email).await.expect("typed");
    let field = client
        .find(Locator::Id("f-password"))
        .await
        .expect("password");
    field
        .send_keys(&format!("{password}\n"))
        .await
        .expect("typed");
    client
        .wait()
        .for_element(Locator::Css("form[action='/accounts/logout/']"))
        .await
        .expect("signed in");
}

/// Visits `path`, keeps its screenshot, and says whether it overflows.
async fn visit(client: &Client, base: &str, path: &str, shot: &str) -> Option<String> {
    client.goto(&format!("{base}{path}")).await.expect("page");
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    std::fs::create_dir_all(&shots).expect("screenshots dir");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(shots.join(format!("projects-{shot}-360.png")), png).expect("saved");
    overflows(client).await.then(|| path.to_owned())
}

#[tokio::test]
async fn projects_fit_a_phone_and_a_member_volunteers_without_javascript() {
    let app = spawn_app().await;
    let (tenant, _) = app
        .create_tenant("proj-chromium", "Vélo Club du Plateau")
        .await;
    let password = "des pédales et des rayons";
    create_account(&app, &tenant, "t@example.org", password, Role::Treasurer).await;
    create_account(&app, &tenant, "ed@example.org", password, Role::Editor).await;
    for name in ["ana", "bob", "cleo", "dan"] {
        let email = format!("{name}@example.org");
        create_account(&app, &tenant, &email, password, Role::Member).await;
    }
    let mut tx = app.tenant_tx(&tenant).await;
    assert!(
        seed::contributions::seed_tenant(&mut tx)
            .await
            .expect("contributions")
    );
    assert!(
        seed::projects::seed_tenant(&mut tx)
            .await
            .expect("projects")
    );
    tx.commit().await.expect("commit");

    let base = format!("http://{}:{}", tenant.default_host, app.addr.port());
    let driver = start_chromedriver();
    let profile = tempdir("chromium-projects");
    let client = browser(&driver, 360, 2400, &profile).await;
    let mut narrow = Vec::new();
    narrow.extend(visit(&client, &base, "/projects", "list").await);
    client
        .find(Locator::Css("progress.gauge__bar"))
        .await
        .expect("the gauge is drawn");
    narrow.extend(visit(&client, &base, "/projects/nouveau-local-velo", "page").await);

    sign_in(&client, &base, "dan@example.org", password).await;
    narrow.extend(visit(&client, &base, "/projects/nouveau-local-velo", "member").await);
    let note = client.find(Locator::Id("f-note")).await.expect("the note");
    note.send_keys("Le dimanche").await.expect("typed");
    let button = client
        .find(Locator::Css("form[action$='/volunteer'] button"))
        .await
        .expect("the button");
    button.click().await.expect("sent");
    client
        .wait()
        .for_element(Locator::Css("form[action$='/volunteer/withdraw']"))
        .await
        .expect("signed up");
    client.delete_all_cookies().await.expect("signed out");

    sign_in(&client, &base, "ed@example.org", password).await;
    narrow.extend(visit(&client, &base, "/staff/projects", "staff-list").await);
    let link = client
        .find(Locator::Css(".staff-table a"))
        .await
        .expect("a project");
    let href = link.attr("href").await.expect("href").expect("a link");
    narrow.extend(visit(&client, &base, &href, "staff-form").await);
    client
        .find(Locator::Id("f-update_title"))
        .await
        .expect("the update form");
    client.close().await.expect("closed");
    assert!(narrow.is_empty(), "too wide at 360 px: {narrow:?}");
}
