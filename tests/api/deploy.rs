//! What `deploy/` ships is tried: the systemd unit passes
//! `systemd-analyze verify` (its hardening options included) with the
//! binary built here in place of the installed one, and the example
//! configuration loads with the product's own loader and says what it
//! claims.

use std::path::Path;
use std::process::Command;

use tessera::config::{Config, StorageBackend};

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
    // Secrets never print.
    assert!(
        !format!("{config:?}").contains("CHANGE-ME@"),
        "the database password printed"
    );
}
