//! Tenants' own templates are untrusted. What is checked here is what the
//! sandbox adds to tera, each in a way that fails if the sandbox does not do
//! it: a runaway render is stopped and its worker process really killed, and
//! the worker itself (not tera's feature set) is confined: it cannot read the
//! server's files or environment, cannot reach the network, cannot regain
//! root, and dies with the server.

use std::collections::BTreeMap;
use std::io::{ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::unistd::{Uid, geteuid, setuid};
use tessera::themes::sandbox::confine;

use crate::helpers::{TestApp, publish, shared_database, spawn_app, spawn_app_with, test_config};
use crate::themes::{tenant_on, upload};

/// The render timeout of the tests that time it (`timed_app`).
const RENDER_TIMEOUT: Duration = Duration::from_millis(1500);

/// An application whose render timeout is [`RENDER_TIMEOUT`], shorter than
/// the test configuration's patient one.
async fn timed_app() -> TestApp {
    let mut config = test_config();
    config.render.timeout_ms = RENDER_TIMEOUT.as_millis() as u64;
    spawn_app_with(shared_database().await, config).await
}

#[tokio::test]
async fn hostile_templates_are_refused_when_checked() {
    let app = spawn_app().await;
    let themes = &app.state.themes;
    let check = |source: &str| {
        let templates = BTreeMap::from([("home.html".to_owned(), source.to_owned())]);
        themes.check_templates("default", &templates)
    };
    let env = check("{{ get_env(name=\"DATABASE_URL\") }}").unwrap_err();
    assert!(env.contains("get_env"), "{env}");
    let include = check("{% include \"../../../etc/passwd\" %}").unwrap_err();
    assert!(include.contains("passwd"), "{include}");
    let syntax = check("<p>\n{{ page.title | upper( }}</p>").unwrap_err();
    assert!(
        syntax.contains("home.html:2"),
        "the error names file and line: {syntax}"
    );
    assert!(check("{% extends \"default/home.html\" %}").is_ok());
}

/// Templates that compile but exhaust a limit when rendered: members get the
/// theme's page, and the administrators see which limit stopped it.
#[tokio::test]
async fn runaway_templates_stop_at_their_limit() {
    let app = timed_app().await;
    // The memory bomb dies at the worker's memory limit, or is killed at the
    // render timeout when copying that much takes longer on a busy machine.
    let cases = [
        (
            "loop",
            "OWN-MARK{% for a in range(end=1000) %}{% for b in range(end=1000) %}x{% endfor %}{% endfor %}",
            &["too many items"][..],
        ),
        (
            "bomb",
            "OWN-MARK{% set_global s = \"aaaaaaaaaaaaaaaa\" %}{% for i in range(end=40) %}{% set_global s = s ~ s %}{% endfor %}{{ s | length }}",
            &["the render worker failed", "longer than"][..],
        ),
    ];
    for (name, source, limits) in cases {
        let tenant = tenant_on(&app, "default", "fr", "#1d4ed8").await;
        publish(&app, &tenant, "still here").await;
        upload(&app, &tenant, &[("templates/home.html", source)]).await;
        let (status, page) = app.get_text(tenant.default_host.as_str(), "/").await;
        assert_eq!(status, 200, "{name}: members must get a page");
        assert!(
            page.contains("still here") && !page.contains("OWN-MARK"),
            "{name}: the theme's page is served instead:\n{page}"
        );
        let error = app.state.themes.last_error(tenant.id).unwrap_or_default();
        assert!(
            limits.iter().any(|limit| error.contains(limit)),
            "{name}: stopped by one of {limits:?}? {error}"
        );
    }
    assert_eq!(app.get("admin.localhost", "/healthz").await.status(), 200);
}

/// A template that spins is stopped at the render timeout (not sooner: it
/// really ran; not much later), and its worker process is killed: gone, or
/// a zombie that uses no CPU, right after the answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinning_worker_is_killed_at_the_timeout() {
    let app = timed_app().await;
    let tenant = tenant_on(&app, "default", "fr", "#1d4ed8").await;
    publish(&app, &tenant, "still here").await;
    let spin = format!(
        "{{% set s = \"{}\" %}}{{% for a in s %}}{{% for b in s %}}{{% for c in s %}}{{% for d in s %}}\
         {{% endfor %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}",
        "a".repeat(1000)
    );
    upload(&app, &tenant, &[("templates/home.html", &spin)]).await;
    let host = tenant.default_host.to_string();
    let started = Instant::now();
    let request = {
        let (http, addr) = (app.http.clone(), app.addr);
        tokio::spawn(async move {
            let response = http
                .get(format!("http://{addr}/"))
                .header("host", host)
                .send()
                .await
                .unwrap();
            (response.status(), response.text().await.unwrap_or_default())
        })
    };
    let spinner = spinning_worker(&app).await;
    let (status, page) = request.await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(status, 200);
    assert!(page.contains("still here"), "the theme's page:\n{page}");
    assert!(
        elapsed >= RENDER_TIMEOUT && elapsed < RENDER_TIMEOUT + Duration::from_millis(1500),
        "answered after {elapsed:?}, with a render timeout of {RENDER_TIMEOUT:?}: {:?}",
        app.state.themes.last_error(tenant.id)
    );
    let error = app.state.themes.last_error(tenant.id).unwrap_or_default();
    assert!(error.contains("longer than"), "{error}");
    assert!(
        wait_until(Duration::from_secs(1), || !running(spinner)).await,
        "worker {spinner} still runs 1 s after the answer (sent after {elapsed:?}): {:?}",
        proc_stat(spinner)
    );
    let pids = app.state.themes.sandbox().map(|s| s.worker_pids());
    assert!(!pids.unwrap_or_default().contains(&spinner));
}

/// The pid of the app's only worker, once it is seen burning CPU.
async fn spinning_worker(app: &TestApp) -> u32 {
    let sandbox = app.state.themes.sandbox().expect("workers are enabled");
    let mut first_seen = None;
    for _ in 0..200 {
        if let [pid] = sandbox.worker_pids()[..] {
            let cpu = proc_stat(pid).map(|(_, cpu)| cpu);
            match first_seen {
                None => first_seen = cpu,
                // 30 ms of CPU: an idle worker, blocked on its stdin, uses none.
                Some(before) if cpu.is_some_and(|now| now >= before + 3) => return pid,
                Some(_) => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no worker was seen spinning");
}

/// `(state, utime + stime in clock ticks)` from `/proc/<pid>/stat`.
fn proc_stat(pid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some((state, ticks(11)? + ticks(12)?))
}

/// Whether `pid` exists and is not a zombie (a killed process not yet reaped
/// by its parent runs no code).
fn running(pid: u32) -> bool {
    proc_stat(pid).is_some_and(|(state, _)| !matches!(state, 'Z' | 'X'))
}

async fn wait_until(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

/// One line of `/proc/<pid>/<file>` starting with `prefix`, whitespace
/// collapsed.
fn proc_line(pid: u32, file: &str, prefix: &str) -> String {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}")).unwrap_or_default();
    let line = text.lines().find(|l| l.starts_with(prefix)).unwrap_or("");
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The workers the server starts are confined as `confine` says: seen from
/// outside, in `/proc`. What that confinement denies is proved by
/// `confinement_denies_secrets_network_and_root`.
#[tokio::test]
async fn the_servers_workers_run_confined() {
    let app = spawn_app().await;
    let tenant = tenant_on(&app, "default", "fr", "#1d4ed8").await;
    let own =
        "{% extends \"default/home.html\" %}{% block content %}OWN-MARK{% endblock content %}";
    upload(&app, &tenant, &[("templates/home.html", own)]).await;
    let (_, page) = app.get_text(tenant.default_host.as_str(), "/").await;
    assert!(page.contains("OWN-MARK"), "rendered by a worker:\n{page}");
    let pids = app.state.themes.sandbox().map(|s| s.worker_pids());
    let pid = pids.unwrap_or_default()[0];
    assert_eq!(
        proc_line(pid, "status", "PPid:"),
        format!("PPid: {}", std::process::id())
    );
    assert_eq!(proc_line(pid, "status", "NoNewPrivs:"), "NoNewPrivs: 1");
    let limits = [
        (
            "Max cpu time",
            format!("{0} {0} seconds", confine::CPU_SECONDS),
        ),
        (
            "Max open files",
            format!("{0} {0} files", confine::OPEN_FILES),
        ),
        ("Max file size", "0 0 bytes".to_owned()),
        (
            "Max address space",
            format!("{0} {0} bytes", confine::MEMORY_LIMIT),
        ),
    ];
    for (limit, value) in limits {
        assert_eq!(proc_line(pid, "limits", limit), format!("{limit} {value}"));
    }
    // Only what `Worker::spawn` gives it: none of the server's environment.
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
    let names: Vec<String> = environ
        .split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| {
            String::from_utf8_lossy(v)
                .split('=')
                .next()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    // Who its parent is, and the allocator's arena size: nothing of the
    // server's own environment.
    assert_eq!(names, ["MIMALLOC_ARENA_RESERVE", confine::PARENT_ENV]);
    if !geteuid().is_root() {
        eprintln!("not root: workers keep the server's user and network");
        return;
    }
    let nobody = "65534 65534 65534 65534";
    assert_eq!(proc_line(pid, "status", "Uid:"), format!("Uid: {nobody}"));
    assert_eq!(proc_line(pid, "status", "Gid:"), format!("Gid: {nobody}"));
    assert_eq!(proc_line(pid, "status", "Groups:"), "Groups:");
    let network = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
    assert_ne!(network(&pid.to_string()), network("self"), "own network");
}

/// What a worker's confinement denies, tested directly: a child process (this
/// test binary again, running `confinement_probe`) calls the very function
/// a worker calls once its themes are loaded, then tries to read a secret
/// file of the server's user, the server's environment, to connect to a port
/// the server listens on, and to become root again. Needs root, as the
/// confinement does (tests run as root here and in CI).
#[test]
fn confinement_denies_secrets_network_and_root() {
    if !geteuid().is_root() {
        eprintln!("skipped: workers are only confined when the server runs as root");
        return;
    }
    let folder = tempfile::tempdir().unwrap();
    std::fs::set_permissions(folder.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = folder.path().join("pg-password");
    std::fs::OpenOptions::new()
        .mode(0o600)
        .create_new(true)
        .write(true)
        .open(&secret)
        .and_then(|mut file| file.write_all(b"s3cret"))
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let probe = Command::new(std::env::current_exe().unwrap())
        .args(["sandbox::confinement_probe", "--exact", "--ignored"])
        .args(["--nocapture", "--test-threads=1"])
        .env(PROBE_ENV, "1")
        .env("PROBE_SECRET", &secret)
        .env("PROBE_PARENT", std::process::id().to_string())
        .env("PROBE_PORT", port)
        .output()
        .unwrap();
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&probe.stdout),
        String::from_utf8_lossy(&probe.stderr)
    );
    assert!(probe.status.success(), "the probe failed:\n{output}");
    assert!(
        output.contains(PROBE_DONE),
        "the probe did not run:\n{output}"
    );
}

const PROBE_ENV: &str = "TESSERA_CONFINEMENT_PROBE";
const PROBE_DONE: &str = "confinement probe: every attempt was denied";

/// Run only by `confinement_denies_secrets_network_and_root`, in a process
/// of its own (confinement cannot be undone).
#[test]
#[ignore = "run in a child process by confinement_denies_secrets_network_and_root"]
fn confinement_probe() {
    if std::env::var_os(PROBE_ENV).is_none() {
        return;
    }
    let var = |name: &str| std::env::var(name).unwrap();
    confine::drop_privileges().unwrap();
    let denied = |what: &str, result: std::io::Result<Vec<u8>>| match result {
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {}
        other => panic!("{what}: expected permission denied, got {other:?}"),
    };
    denied("the secret file", std::fs::read(var("PROBE_SECRET")));
    let environ = Path::new("/proc").join(var("PROBE_PARENT")).join("environ");
    denied("the server's environment", std::fs::read(environ));
    let port: u16 = var("PROBE_PORT").parse().unwrap();
    let connected = TcpStream::connect(("127.0.0.1", port));
    assert_eq!(
        connected.err().and_then(|e| e.raw_os_error()),
        Some(Errno::ENETUNREACH as i32),
        "a worker must have no network, not even loopback"
    );
    assert_eq!(setuid(Uid::from_raw(0)), Err(Errno::EPERM), "no way back");
    println!("{PROBE_DONE}");
}

/// A worker dies with the server (`PR_SET_PDEATHSIG`, set again after the
/// change of user, which clears it): started like the server starts one, by
/// a thread that then ends (the signal follows the thread that forked), it
/// is killed although its stdin is still open.
#[tokio::test]
async fn a_worker_dies_with_its_parent() {
    let (started, stop) = (
        std::sync::mpsc::channel::<Child>(),
        std::sync::mpsc::channel::<()>(),
    );
    let (started_tx, started_rx) = started;
    let (stop_tx, stop_rx) = stop;
    let parent = std::thread::spawn(move || {
        let child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .args(["render-worker", "--themes-dir"])
            .arg(std::path::absolute("themes").unwrap())
            .env_clear()
            .env(confine::PARENT_ENV, std::process::id().to_string())
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        started_tx.send(child).unwrap();
        let _ = stop_rx.recv();
    });
    let mut worker = started_rx.recv().unwrap();
    let pid = worker.id();
    // `no_new_privs` is the confinement's last step but the limits.
    let confined = || proc_line(pid, "status", "NoNewPrivs:") == "NoNewPrivs: 1";
    assert!(
        wait_until(Duration::from_secs(30), confined).await,
        "the worker never confined itself"
    );
    stop_tx.send(()).unwrap();
    parent.join().unwrap();
    let died = wait_until(Duration::from_secs(2), || !running(pid)).await;
    let _ = worker.kill();
    let _ = worker.wait();
    assert!(died, "the worker outlived the thread that started it");
}
