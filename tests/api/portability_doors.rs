//! The other doors to a tenant's lifecycle: the command line moves a
//! tenant between two databases, deletes, restores and purges it; the
//! platform API exports it (operators only) and documents it.

use reqwest::header::{AUTHORIZATION, HOST};
use tessera::platform::operators::OperatorRole;
use tessera::tenancy::audit::Actor;

use crate::helpers::console::{HOST_NAME, create_operator};
use crate::helpers::{TestApp, migrated_database, unique_slug};
use crate::portability_fixture::{own_app, rich_tenant};

fn tessera(url: &str, storage: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .env("TESSERA_STORAGE__DIR", storage)
        .args(args)
        .output()
        .unwrap()
}

fn out(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn the_command_line_moves_deletes_restores_and_purges_a_tenant() {
    use std::os::unix::fs::PermissionsExt;
    let url = |options| crate::helpers::cluster::database_url(&options);
    let (from, to) = (
        url(migrated_database().await),
        url(migrated_database().await),
    );
    let (from_files, to_files) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let from_cli = |args: &[&str]| tessera(&from, from_files.path(), args);
    let to_cli = |args: &[&str]| tessera(&to, to_files.path(), args);
    out(&from_cli(&[
        "tenant", "create", "--slug", "cli-move", "--name", "CLI Move",
    ]));
    let archive = from_files.path().join("cli-move.tar");
    let archive_arg = archive.to_str().unwrap();
    let exported = out(&from_cli(&[
        "tenant",
        "export",
        "cli-move",
        "-o",
        archive_arg,
    ]));
    assert!(exported.contains("sha256"), "{exported}");
    let mode = std::fs::metadata(&archive).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    assert!(out(&to_cli(&["tenant", "import", archive_arg])).contains("imported cli-move"));
    assert!(
        !to_cli(&["tenant", "import", archive_arg]).status.success(),
        "the slug is taken"
    );
    let copy = out(&to_cli(&[
        "tenant",
        "import",
        archive_arg,
        "--slug",
        "cli-copy",
    ]));
    assert!(copy.contains("imported cli-copy"), "{copy}");
    let listed = out(&to_cli(&["tenant", "list"]));
    assert!(
        listed.contains("cli-move") && listed.contains("cli-copy"),
        "{listed}"
    );

    assert!(out(&from_cli(&["tenant", "delete", "cli-move", "--yes"])).contains("410"));
    assert!(out(&from_cli(&["tenant", "list"])).contains("0 tenant(s)"));
    assert!(out(&from_cli(&["tenant", "list", "--all"])).contains("deleted"));
    assert!(out(&from_cli(&["tenant", "restore", "cli-move"])).contains("restored"));
    assert!(out(&from_cli(&["tenant", "list"])).contains("1 tenant(s)"));
    let purged = out(&from_cli(&[
        "tenant", "delete", "cli-move", "--yes", "--now",
    ]));
    assert!(purged.contains("purged"), "{purged}");
    assert!(out(&from_cli(&["tenant", "list", "--all"])).contains("0 tenant(s)"));
    out(&from_cli(&[
        "tenant", "create", "--slug", "cli-move", "--name", "Reused",
    ]));
}

async fn export_with(app: &TestApp, slug: &str, role: OperatorRole) -> reqwest::Response {
    let email = format!("api-{}@platform.example", unique_slug("x"));
    create_operator(app, &email, role).await;
    let token = app
        .state
        .operators
        .issue_token(&email, "api", None, 30, &Actor::from("test"))
        .await
        .unwrap();
    app.http
        .post(format!(
            "http://{}/api/v1/platform/tenants/{slug}/export",
            app.addr
        ))
        .header(HOST, HOST_NAME)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_platform_api_exports_for_operators_and_documents_it() {
    let (app, _files) = own_app().await;
    let tenant = rich_tenant(&app, "api-export").await;
    let slug = tenant.slug.as_str();
    assert_eq!(
        export_with(&app, slug, OperatorRole::Support)
            .await
            .status(),
        403
    );
    assert_eq!(
        export_with(&app, "no-such-club", OperatorRole::Operator)
            .await
            .status(),
        404
    );
    let response = export_with(&app, slug, OperatorRole::Operator).await;
    assert_eq!(response.status(), 200);
    let sha = response.headers()["x-archive-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let archive = response.bytes().await.unwrap();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&archive);
    assert_eq!(sha, tessera::auth::secret::hex(&digest));
    assert!(archive.starts_with(b"manifest.json\0"));
    let doc = app
        .get_text(HOST_NAME, "/api/v1/platform/openapi.json")
        .await
        .1;
    for path in ["/tenants/{slug}/export", "/tenants/{slug}/restore"] {
        assert!(doc.contains(path), "{path} is documented");
    }
}
