//! `tessera user …` as operators run it: the real binary against a fresh
//! database, checked through the accounts and the audit log it leaves.

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use crate::helpers::cluster::database_url;
use crate::helpers::fresh_database;

fn tessera(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command.env("RUST_LOG", "warn").env("DATABASE_URL", url);
    command
}

pub fn run(url: &str, args: &[&str]) -> Output {
    tessera(url).args(args).output().unwrap()
}

fn run_with_stdin(url: &str, args: &[&str], input: &str) -> Output {
    let mut child = tessera(url)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A migrated database with one tenant, `slug`; returns the URL and the
/// tenant's schema.
async fn with_tenant(slug: &str) -> (String, String) {
    let url = database_url(&fresh_database().await);
    assert!(run(&url, &["migrate"]).status.success());
    let created = run(
        &url,
        &[
            "tenant",
            "create",
            "--slug",
            slug,
            "--name",
            "CLI Users",
            "--no-warm-pool",
        ],
    );
    assert!(created.status.success(), "{}", text(&created));
    let listed = run(&url, &["tenant", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let id = list[0]["id"].as_i64().unwrap();
    (url, format!("t_{id}"))
}

async fn audit(url: &str, schema: &str) -> Vec<(String, Option<i64>, serde_json::Value)> {
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT action, actor_id, detail FROM {schema}.audit_log ORDER BY id"
    )))
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[tokio::test]
async fn user_commands_create_list_change_and_audit() {
    let (url, schema) = with_tenant("cli-users").await;
    let tenant = ["--tenant", "cli-users"];

    let created = run_with_stdin(
        &url,
        &[
            &["user", "create"][..],
            &tenant,
            &[
                "--email",
                "Boss@Example.org",
                "--role",
                "admin",
                "--name",
                "Bé Boss",
                "--password-stdin",
            ],
        ]
        .concat(),
        "a long enough secret 42\n",
    );
    assert!(created.status.success(), "{}", text(&created));
    let invited = run(
        &url,
        &[
            &["user", "create"][..],
            &tenant,
            &["--email", "kim@example.org", "--role", "member"],
        ]
        .concat(),
    );
    assert!(invited.status.success(), "{}", text(&invited));
    assert!(
        text(&invited).contains("https://cli-users.localhost/accounts/invitation/"),
        "{}",
        text(&invited)
    );

    let listed = run(
        &url,
        &[&["user", "list"][..], &tenant, &["--json"]].concat(),
    );
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let people: Vec<(&str, &str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["email"].as_str().unwrap(),
                a["role"].as_str().unwrap(),
                a["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            ("Boss@example.org", "admin", "active"),
            ("kim@example.org", "member", "invited")
        ]
    );
    assert!(
        !String::from_utf8_lossy(&listed.stdout).contains("argon2"),
        "no hashes"
    );
    assert!(text(&run(&url, &[&["user", "list"][..], &tenant].concat())).contains("2 account(s)"));

    // The only admin cannot be demoted or deactivated; nothing changes.
    let refused = run(
        &url,
        &[
            &["user", "set-role"][..],
            &tenant,
            &["--email", "boss@example.org", "--role", "member"],
        ]
        .concat(),
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("last active admin"),
        "{}",
        text(&refused)
    );
    let refused = run(
        &url,
        &[
            &["user", "deactivate"][..],
            &tenant,
            &["--email", "boss@example.org"],
        ]
        .concat(),
    );
    assert!(!refused.status.success(), "{}", text(&refused));

    let promoted = run(
        &url,
        &[
            &["user", "set-role"][..],
            &tenant,
            &["--email", "KIM@example.org", "--role", "treasurer"],
        ]
        .concat(),
    );
    assert!(promoted.status.success(), "{}", text(&promoted));
    let off = run(
        &url,
        &[
            &["user", "deactivate"][..],
            &tenant,
            &["--email", "kim@example.org"],
        ]
        .concat(),
    );
    assert!(off.status.success(), "{}", text(&off));
    let on = run(
        &url,
        &[
            &["user", "reactivate"][..],
            &tenant,
            &["--email", "kim@example.org"],
        ]
        .concat(),
    );
    assert!(on.status.success(), "{}", text(&on));

    let log = audit(&url, &schema).await;
    let actions: Vec<&str> = log.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "account.created",
            "invitation.sent",
            "role.changed",
            "account.deactivated",
            "account.reactivated"
        ]
    );
    for (action, actor, detail) in &log {
        assert_eq!(*actor, None, "{action}");
        assert_eq!(detail["via"], "cli", "{action}");
    }
}

#[tokio::test]
async fn user_commands_fail_clearly() {
    let (url, _) = with_tenant("cli-errors").await;
    let cases: [(&[&str], &str); 6] = [
        (&["user", "list", "--tenant", "nobody-here"], "no tenant"),
        (
            &[
                "user",
                "create",
                "--tenant",
                "cli-errors",
                "--email",
                "nope",
                "--role",
                "admin",
            ],
            "not a valid e-mail",
        ),
        (
            &[
                "user",
                "create",
                "--tenant",
                "cli-errors",
                "--email",
                "a@example.org",
                "--role",
                "king",
            ],
            "unknown role",
        ),
        (
            &[
                "user",
                "set-role",
                "--tenant",
                "cli-errors",
                "--email",
                "ghost@example.org",
                "--role",
                "admin",
            ],
            "no account",
        ),
        (
            &[
                "user",
                "deactivate",
                "--tenant",
                "cli-errors",
                "--email",
                "ghost@example.org",
            ],
            "no account",
        ),
        (
            &[
                "user",
                "create",
                "--tenant",
                "cli-errors",
                "--email",
                "a@example.org",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "password",
        ),
    ];
    for (args, message) in cases {
        let output = run_with_stdin(&url, args, "short\n");
        assert!(!output.status.success(), "{args:?}");
        assert!(
            text(&output).contains(message),
            "{args:?}: {}",
            text(&output)
        );
    }
    let twice = [
        "user",
        "create",
        "--tenant",
        "cli-errors",
        "--email",
        "b@example.org",
        "--role",
        "member",
    ];
    assert!(run(&url, &twice).status.success());
    let again = run(&url, &twice);
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));
}
