//! The `tessera` binary as users run it: `demo` end to end, and the tenant
//! commands against a database given by `DATABASE_URL`.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::helpers::cluster::database_url;
use crate::helpers::{fresh_database, raw_http};

fn tessera() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tessera"));
    command.env("RUST_LOG", "warn").env_remove("DATABASE_URL");
    command
}

/// A running `tessera demo`; stopped with SIGINT (as Ctrl-C does) even when
/// the test fails.
struct Demo {
    child: Option<Child>,
    output: Vec<String>,
}

impl Demo {
    fn start(data_dir: &Path) -> Self {
        let mut child = tessera()
            .args(["demo", "--port", "0", "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines) = mpsc::channel();
        // Keeps draining stdout so the demo never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines_tx.send(line);
            }
        });
        let mut demo = Self {
            child: Some(child),
            output: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while !demo.output.iter().any(|l| l.contains("Press Ctrl-C")) {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => demo.output.push(line),
                Err(_) => panic!("demo did not start in time: {:?}", demo.output),
            }
        }
        demo
    }

    /// `(host, name, port)` of each tenant URL the demo printed.
    fn tenants(&self) -> Vec<(String, String, u16)> {
        self.output
            .iter()
            .filter_map(|line| {
                let rest = line.trim().strip_prefix("http://")?;
                let (authority, name) = rest.split_once('/')?;
                let (host, port) = authority.split_once(':')?;
                if host.starts_with("admin.") {
                    return None;
                }
                Some((host.to_owned(), name.trim().to_owned(), port.parse().ok()?))
            })
            .collect()
    }

    fn interrupt_and_wait(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("demo did not stop on Ctrl-C");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = self.interrupt_and_wait();
        }
    }
}

fn demo_dir() -> PathBuf {
    // The demo's cluster runs as `postgres` under root: a world-traversable place.
    let dir = std::env::temp_dir().join(format!("demo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn demo_serves_the_three_tenants_and_stops_cleanly() {
    let dir = demo_dir();
    let mut demo = Demo::start(&dir);
    let tenants = demo.tenants();
    assert_eq!(tenants.len(), 3, "{:?}", demo.output);
    let creditors = demo
        .output
        .iter()
        .filter(|l| l.contains("SEPA creditor with 3 signed mandates"));
    assert_eq!(creditors.count(), 3, "{:?}", demo.output);
    let by_card = demo
        .output
        .iter()
        .filter(|l| l.contains("for card payments (test keys) with 2 gifts by card"));
    assert_eq!(by_card.count(), 3, "{:?}", demo.output);
    let declared = demo
        .output
        .iter()
        .filter(|l| l.contains("for tax receipts and issued"));
    assert_eq!(
        declared.count(),
        2,
        "the two French associations: {:?}",
        demo.output
    );
    let expected = [
        ("velo-club-lyon", "#0b6e4f", "lang=\"fr\""),
        ("ape-ecole-jaures", "#1d4ed8", "lang=\"fr\""),
        ("harbour-choir", "#6d28d9", "lang=\"en\""),
    ];
    for (slug, colour, lang) in expected {
        let (host, name, port) = tenants.iter().find(|(h, ..)| h.starts_with(slug)).unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], *port));
        let (status, page) = raw_http::get_with_host(addr, host.as_bytes(), "/").await;
        assert_eq!(status, 200, "{host}");
        let escaped_name = name.replace('\'', "&#x27;");
        assert!(page.contains(&escaped_name), "{host}: name {name} missing");
        assert!(page.contains(colour), "{host}: colour {colour} missing");
        assert!(page.contains(lang), "{host}: {lang} missing");
        assert_eq!(
            page.matches("datetime=\"").count(),
            5,
            "{host}: five latest announcements"
        );
    }
    assert!(demo.interrupt_and_wait().success());
    assert!(
        !dir.join("pg/postmaster.pid").exists(),
        "PostgreSQL still running after Ctrl-C"
    );

    // A second demo on the same data dir reuses the cluster and the data.
    let mut again = Demo::start(&dir);
    assert!(
        !again.output.iter().any(|l| l.contains("created tenant")
            || l.contains("seeded")
            || l.contains("SEPA creditor")
            || l.contains("card payments")
            || l.contains("for tax receipts")),
        "{:?}",
        again.output
    );
    let (host, _, port) = again.tenants().into_iter().next().unwrap();
    let (_, page) = raw_http::get_with_host(
        SocketAddr::from(([127, 0, 0, 1], port)),
        host.as_bytes(),
        "/",
    )
    .await;
    assert_eq!(page.matches("datetime=\"").count(), 5);
    assert!(again.interrupt_and_wait().success());
    std::fs::remove_dir_all(&dir).ok();
}

fn run(url: &str, args: &[&str]) -> Output {
    tessera()
        .env("DATABASE_URL", url)
        .args(args)
        .output()
        .unwrap()
}

/// A fresh database, migrated the way an operator does it.
async fn migrated_url() -> String {
    let url = database_url(&fresh_database().await);
    let migrated = run(&url, &["migrate"]);
    assert!(migrated.status.success(), "{migrated:?}");
    url
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn tenant_commands_manage_a_tenant() {
    let url = migrated_url().await;
    let created = run(
        &url,
        &[
            "tenant",
            "create",
            "--slug",
            "cli-club",
            "--name",
            "CLI Club",
            "--domain",
            "cli-club.example",
            "--admin-email",
            "boss@cli-club.example",
            "--locale",
            "en",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    assert!(stdout(&created).contains("http://cli-club.localhost/"));

    let listed = run(&url, &["tenant", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let row = &list.as_array().unwrap()[0];
    assert_eq!(row["slug"], "cli-club");
    assert_eq!(
        row["hosts"],
        serde_json::json!(["cli-club.localhost", "cli-club.example"])
    );

    let shown = stdout(&run(&url, &["tenant", "show", "cli-club"]));
    assert!(
        shown.contains("CLI Club") && shown.contains("locale:   en"),
        "{shown}"
    );

    assert!(stdout(&run(&url, &["tenant", "suspend", "cli-club"])).contains("now suspended"));
    assert!(stdout(&run(&url, &["tenant", "suspend", "cli-club"])).contains("already suspended"));
    assert!(stdout(&run(&url, &["tenant", "resume", "cli-club"])).contains("now active"));

    let refused = run(&url, &["tenant", "delete", "cli-club"]);
    assert!(!refused.status.success());
    assert!(
        run(&url, &["tenant", "delete", "cli-club", "--yes"])
            .status
            .success()
    );
    assert!(stdout(&run(&url, &["tenant", "list"])).contains("0 tenant(s)"));
}

#[tokio::test]
async fn configuration_layers_and_errors_name_the_setting() {
    let dir = demo_dir();
    let file = dir.join("tessera.toml");
    std::fs::write(&file, "[http]\nport = \"not a port\"\n").unwrap();
    let output = tessera()
        .arg("--config")
        .arg(&file)
        .args(["theme", "list"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("port"), "{stderr}");
    // The environment beats the file.
    let output = tessera()
        .arg("--config")
        .arg(&file)
        .env("TESSERA_HTTP__PORT", "9000")
        .args(["theme", "list"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `url` with its password replaced.
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, location) = rest.rsplit_once('@').unwrap();
    let user = userinfo.split(':').next().unwrap();
    format!("{scheme}://{user}:{password}@{location}")
}

#[tokio::test]
async fn a_secret_in_the_url_never_appears_in_errors() {
    const SECRET: &str = "sup3r-s3cret";
    // A real server that rejects the password: the connection options are
    // built, sent and the failure reported, which is where a careless
    // `{:?}` of them would print the password.
    let url = with_password(&database_url(&fresh_database().await), SECRET);
    let commands: [&[&str]; 3] = [&["tenant", "list"], &["migrate"], &["serve", "--port", "0"]];
    for args in commands {
        let output = run(&url, args);
        assert!(!output.status.success(), "{args:?}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            all.contains("password authentication failed"),
            "{args:?}: {all}"
        );
        assert!(!all.contains(SECRET), "{args:?}: {all}");
    }
}

#[tokio::test]
async fn tenant_create_refuses_bad_input_with_a_clear_message() {
    let url = migrated_url().await;
    let cases: [(&[&str], &str); 4] = [
        (&["--slug", "admin", "--name", "X"], "reserved"),
        (&["--slug", "Bad_Slug", "--name", "X"], "lowercase"),
        (
            &["--slug", "fine-slug", "--name", "X", "--domain", "a..b"],
            "domain",
        ),
        (
            &[
                "--slug",
                "fine-slug",
                "--name",
                "X",
                "--admin-email",
                "nope",
            ],
            "e-mail",
        ),
    ];
    for (args, message) in cases {
        let output = run(&url, &[&["tenant", "create"][..], args].concat());
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let created = run(
        &url,
        &["tenant", "create", "--slug", "twice", "--name", "Twice"],
    );
    assert!(created.status.success());
    let again = run(
        &url,
        &["tenant", "create", "--slug", "twice", "--name", "Twice"],
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn tenant_apply_is_idempotent_and_prunes_only_when_asked() {
    let url = migrated_url().await;
    let dir = demo_dir();
    let write = |slug: &str, body: &str| {
        std::fs::create_dir_all(dir.join(slug)).unwrap();
        std::fs::write(dir.join(slug).join("tenant.toml"), body).unwrap();
    };
    write(
        "first-club",
        "name = \"First\"\n[brand]\nprimary = \"#aa3300\"\n",
    );
    write("second-club", "name = \"Second\"\nlocale = \"en\"\n");
    let apply = |extra: &[&str]| {
        let mut args = vec!["tenant", "apply", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        stdout(&run(&url, &args))
    };
    assert!(apply(&[]).contains("created: first-club, second-club"));
    assert!(apply(&[]).contains("unchanged: first-club, second-club"));
    write(
        "first-club",
        "name = \"First Renamed\"\n[brand]\nprimary = \"#aa3300\"\n",
    );
    assert!(apply(&[]).contains("updated: first-club"));
    std::fs::remove_dir_all(dir.join("second-club")).unwrap();
    assert!(apply(&[]).contains("not in manifests (kept; --prune deletes): second-club"));
    assert!(apply(&["--prune", "--yes"]).contains("deleted: second-club"));
    // A manifest whose own template reaches for the environment: refused,
    // with the file and line, and nothing is created.
    write("sly-club", "name = \"Sly\"\n");
    std::fs::create_dir_all(dir.join("sly-club/templates")).unwrap();
    std::fs::write(
        dir.join("sly-club/templates/home.html"),
        "<p>\n{{ get_env(name=\"DATABASE_URL\") }}</p>",
    )
    .unwrap();
    let output = run(&url, &["tenant", "apply", dir.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("get_env") && stderr.contains("home.html:2"),
        "{stderr}"
    );
    assert!(!stdout(&run(&url, &["tenant", "list"])).contains("sly-club"));
    std::fs::remove_dir_all(dir.join("sly-club")).unwrap();
    write("bad-club", "name = \"Bad\"\nunknown_key = 1\n");
    let output = run(&url, &["tenant", "apply", dir.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown field"));
    std::fs::remove_dir_all(&dir).ok();
}

fn slugs_listed(url: &str) -> Vec<String> {
    let listed = run(url, &["tenant", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let mut slugs: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["slug"].as_str().unwrap().to_owned())
        .collect();
    slugs.sort();
    slugs
}

#[tokio::test]
async fn tenant_apply_prune_asks_for_confirmation_and_never_empties_the_platform() {
    let url = migrated_url().await;
    let dir = demo_dir();
    for slug in ["keep-club", "gone-club"] {
        std::fs::create_dir_all(dir.join(slug)).unwrap();
        std::fs::write(dir.join(slug).join("tenant.toml"), "name = \"Club\"\n").unwrap();
    }
    let dir_arg = dir.to_str().unwrap();
    assert!(run(&url, &["tenant", "apply", dir_arg]).status.success());
    let both = vec!["gone-club".to_owned(), "keep-club".to_owned()];
    assert_eq!(slugs_listed(&url), both);

    // An empty folder: refused even with --yes, and nothing is deleted.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    for extra in [&["--prune"][..], &["--prune", "--yes"]] {
        let args = [&["tenant", "apply", empty.to_str().unwrap()][..], extra].concat();
        let output = run(&url, &args);
        assert!(!output.status.success(), "{extra:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("refusing to prune"), "{extra:?}: {stderr}");
        assert_eq!(slugs_listed(&url), both, "{extra:?}");
    }

    // --prune alone lists what it would delete, fails and changes nothing,
    // not even the manifests' own changes.
    std::fs::remove_dir_all(dir.join("gone-club")).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
    std::fs::write(dir.join("keep-club/tenant.toml"), "name = \"Renamed\"\n").unwrap();
    let output = run(&url, &["tenant", "apply", dir_arg, "--prune"]);
    assert!(!output.status.success());
    assert!(
        stdout(&output).contains("would delete: gone-club"),
        "{output:?}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("--yes"));
    assert_eq!(slugs_listed(&url), both);
    assert!(!stdout(&run(&url, &["tenant", "show", "keep-club"])).contains("Renamed"));

    // --prune --yes deletes exactly the tenant without a manifest.
    let output = run(&url, &["tenant", "apply", dir_arg, "--prune", "--yes"]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("deleted: gone-club"));
    assert_eq!(slugs_listed(&url), vec!["keep-club".to_owned()]);
    std::fs::remove_dir_all(&dir).ok();
}
