//! What `deploy/` ships is tried: the systemd unit passes
//! `systemd-analyze verify` (its hardening options included) with the
//! binary built here in place of the installed one; the example
//! configuration loads with the product's own loader and says what it
//! claims; the Kubernetes manifests pass kubernetes-validate's schemas, the
//! compose file and the GitHub workflow theirs (check-jsonschema); the
//! alert rules pass `promtool test rules`; and every metric the alerts and
//! the Grafana dashboard read is one the server exports. (pgbouncer's
//! configuration is tried by the suite's second pass, which runs through
//! it: `tests/api/helpers/pooler.rs`.)

use std::path::Path;
use std::process::Command;

use tessera::config::{Config, StorageBackend};

use crate::helpers::venv;

fn repo(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    let unit = std::fs::read_to_string(repo("deploy/systemd/tessera.service")).expect("unit");
    assert!(
        unit.contains("ExecStart=/usr/local/bin/tessera --config /etc/tessera/tessera.toml serve")
    );
    for hardening in [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
    ] {
        assert!(unit.contains(hardening), "{hardening}");
    }
    // verify checks that the program exists: the one built for these tests.
    let here = unit.replace("/usr/local/bin/tessera", env!("CARGO_BIN_EXE_tessera"));
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("tessera.service");
    std::fs::write(&path, here).expect("unit copy");
    let verified = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (apt-get install systemd)");
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{said}");
    assert!(
        !said.contains("tessera.service"),
        "warnings about the unit: {said}"
    );
}

#[test]
fn the_example_configuration_loads_as_written() {
    let config = Config::load(&repo("deploy/tessera.toml"), &Default::default()).expect("loads");
    assert_eq!(config.platform_host.as_str(), "admin.portals.example.org");
    assert_eq!(config.base_domain.as_str(), "portals.example.org");
    assert_eq!(config.data_dir, Path::new("/var/lib/tessera"));
    assert_eq!(config.tls.https_port, Some(443));
    assert!(config.tls.acme.directory.is_some());
    assert_eq!(config.storage.backend, StorageBackend::S3);
    assert!(config.database_url.is_some());
    assert_eq!(config.crypto.active.as_deref(), Some("2026"));
    assert!(config.crypto.keys.contains_key("2026"));
    assert!(
        !format!("{config:?}").contains("openssl rand"),
        "a sealing key printed"
    );
    // Secrets never print.
    assert!(
        !format!("{config:?}").contains("CHANGE-ME@"),
        "the database password printed"
    );
}

/// Every manifest listed by the kustomization exists and passes the
/// Kubernetes schemas, unknown fields refused.
#[test]
fn the_kubernetes_manifests_pass_schema_validation() {
    let dir = repo("deploy/kubernetes");
    let kustomization =
        std::fs::read_to_string(dir.join("kustomization.yaml")).expect("kustomization");
    let resources: Vec<&str> = kustomization
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- "))
        .filter(|item| item.ends_with(".yaml"))
        .collect();
    for kind in [
        "deployment",
        "service",
        "pdb",
        "migrate-job",
        "configmap",
        "secret",
    ] {
        assert!(
            resources.contains(&format!("{kind}.yaml").as_str()),
            "{kind}"
        );
    }
    let validate = venv::tool(
        "kubernetes-venv",
        &["kubernetes-validate==1.37.0"],
        "kubernetes-validate",
    );
    let checked = Command::new(validate)
        .args(["--strict", "--kubernetes-version", "1.30"])
        .args(resources.iter().map(|file| dir.join(file)))
        .output()
        .expect("kubernetes-validate");
    let said = String::from_utf8_lossy(&checked.stdout) + String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
    assert!(!said.contains("ERROR"), "{said}");
    assert_eq!(
        said.matches("passed").count(),
        resources.len() + 1,
        "{said}"
    );
}

fn check_jsonschema() -> std::path::PathBuf {
    venv::tool(
        "jsonschema-venv",
        &["check-jsonschema==0.39.0"],
        "check-jsonschema",
    )
}

fn passes_builtin_schema(schema: &str, file: &Path) {
    let checked = Command::new(check_jsonschema())
        .args(["--builtin-schema", schema])
        .arg(file)
        .output()
        .expect("check-jsonschema");
    let said = String::from_utf8_lossy(&checked.stdout) + String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{}: {said}", file.display());
}

#[test]
fn the_compose_file_follows_the_compose_spec_and_mounts_files_that_exist() {
    let compose = repo("deploy/compose.yaml");
    passes_builtin_schema("vendor.compose-spec", &compose);
    let text = std::fs::read_to_string(&compose).expect("compose.yaml");
    for service in [
        "postgres:",
        "postgres-replica:",
        "pgbouncer:",
        "s3:",
        "tessera-1:",
        "tessera-2:",
        "haproxy:",
        "migrate:",
    ] {
        assert!(
            text.contains(&format!("\n  {service}")),
            "service {service}"
        );
    }
    // Bind mounts (`- ./file:/in/container`) name files of deploy/.
    let mounted: Vec<&str> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- ./"))
        .filter_map(|mount| mount.split(':').next())
        .collect();
    assert!(mounted.len() >= 5, "{mounted:?}");
    for file in mounted {
        assert!(
            repo("deploy").join(file).is_file(),
            "deploy/{file} is mounted but missing"
        );
    }
    assert!(repo("Dockerfile").is_file());
}

#[test]
fn the_github_workflow_is_a_valid_workflow_running_the_test_script() {
    let workflow = repo(".github/workflows/ci.yml");
    passes_builtin_schema("vendor.github-workflows", &workflow);
    let text = std::fs::read_to_string(&workflow).expect("workflow");
    assert!(text.contains("run: ./tests/run.sh"));
    let script = std::fs::read_to_string(repo("tests/run.sh")).expect("run.sh");
    assert!(script.contains("TESSERA_TEST_POOLER=pgbouncer cargo test"));
}

fn promtool(args: &[&str]) {
    let ran = Command::new("promtool")
        .current_dir(repo("deploy/prometheus"))
        .args(args)
        .output()
        .expect("promtool (apt-get install prometheus)");
    let said = String::from_utf8_lossy(&ran.stdout) + String::from_utf8_lossy(&ran.stderr);
    assert!(ran.status.success(), "promtool {args:?}: {said}");
}

#[test]
fn the_alert_rules_fire_on_what_they_watch_and_only_then() {
    promtool(&["check", "rules", "alerts.yml"]);
    promtool(&["test", "rules", "alerts.test.yml"]);
}

/// The `tessera_…` names a file's queries read, without the histogram
/// suffixes.
fn metric_names(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("tessera_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        let name = name.strip_suffix("_bucket").unwrap_or(&name).to_owned();
        names.insert(name);
    }
    names
}

/// A dashboard or an alert on a name the server never exports would stay
/// silent forever.
#[tokio::test]
async fn the_dashboard_and_the_alerts_read_metrics_the_server_exports() {
    let app = crate::helpers::spawn_app().await;
    let (tenant, _) = app.create_tenant("metrics", "Metrics").await;
    let host = tenant.default_host.to_string();
    for _ in 0..2 {
        app.get(&host, "/").await;
    }
    let scraped = app
        .http
        .get(format!("http://{}/metrics", app.metrics_addr))
        .send()
        .await
        .expect("scrape")
        .text()
        .await
        .expect("metrics");
    let dashboard =
        std::fs::read_to_string(repo("deploy/grafana/tessera.json")).expect("dashboard");
    let parsed: serde_json::Value =
        serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    assert!(parsed["panels"].as_array().is_some_and(|p| p.len() >= 10));
    let alerts = std::fs::read_to_string(repo("deploy/prometheus/alerts.yml")).expect("alerts");
    // Counted only once something happens that this test does not do.
    let on_first_use = [
        "tessera_tls_handshakes_total",
        "tessera_jobs_finished_total",
    ];
    let read = metric_names(&dashboard)
        .into_iter()
        .chain(metric_names(&alerts));
    for name in read.filter(|name| !on_first_use.contains(&name.as_str())) {
        assert!(
            scraped.lines().any(|line| line.starts_with(&name)),
            "{name} is read but not exported"
        );
    }
    for gauge in [
        "tessera_jobs{",
        "tessera_db_tenant_max_connections",
        "tessera_migrations_pending{",
    ] {
        assert!(scraped.contains(gauge), "{gauge}");
    }
}
