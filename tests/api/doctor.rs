//! `tessera doctor` says what is wrong, exits 1 only for failures, and
//! checks the pooler's path when one is configured.

use std::process::{Command, Output};

use crate::helpers::cluster::database_url;
use crate::helpers::fresh_database;

fn doctor(url: &str, env: &[(&str, String)]) -> (Output, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", url)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .arg("doctor")
        .output()
        .expect("tessera doctor");
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    (output, said)
}

fn migrate(url: &str) {
    let migrated = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .env("DATABASE_URL", url)
        .arg("migrate")
        .output()
        .expect("migrate");
    assert!(migrated.status.success(), "{migrated:?}");
}

fn line<'a>(said: &'a str, check: &str) -> &'a str {
    said.lines()
        .find(|line| line.split_whitespace().nth(1) == Some(check))
        .unwrap_or_else(|| panic!("no {check} line in:\n{said}"))
}

#[tokio::test]
async fn doctor_passes_a_migrated_database_and_warns_about_an_empty_one() {
    let url = database_url(&fresh_database().await);
    let (output, said) = doctor(&url, &[]);
    assert!(output.status.success(), "{said}");
    assert!(line(&said, "postgresql").starts_with("ok"), "{said}");
    assert!(line(&said, "migrations").starts_with("warn"), "{said}");

    migrate(&url);
    let (output, said) = doctor(&url, &[]);
    assert!(output.status.success(), "{said}");
    for check in [
        "configuration",
        "postgresql",
        "migrations",
        "jobs",
        "certificates",
    ] {
        assert!(line(&said, check).starts_with("ok"), "{check}: {said}");
    }
    assert!(line(&said, "migrations").contains("0 platform and 0 tenant migrations pending"));
    assert!(
        !said.contains("\nok    pooler"),
        "no pooler configured: {said}"
    );
}

#[tokio::test]
async fn doctor_fails_on_an_unreachable_database_or_pooler() {
    let (output, said) = doctor("postgres://nobody:secret@127.0.0.1:1/none", &[]);
    assert!(!output.status.success());
    assert!(line(&said, "database").starts_with("FAIL"), "{said}");
    assert!(!said.contains("secret"), "the password printed: {said}");

    let url = database_url(&fresh_database().await);
    migrate(&url);
    let nowhere = [
        ("TESSERA_DB__POOLER__HOST", "127.0.0.1".to_owned()),
        ("TESSERA_DB__POOLER__PORT", "1".to_owned()),
        ("TESSERA_DB__ACQUIRE_TIMEOUT_SECS", "2".to_owned()),
    ];
    let (output, said) = doctor(&url, &nowhere);
    assert!(!output.status.success(), "{said}");
    assert!(line(&said, "pooler").starts_with("FAIL"), "{said}");
    assert!(
        line(&said, "configuration").contains("pooler 127.0.0.1:1"),
        "{said}"
    );
}

#[tokio::test]
async fn doctor_checks_the_sealing_keys_without_printing_them() {
    let url = database_url(&fresh_database().await);
    migrate(&url);
    let (_, said) = doctor(&url, &[]);
    assert!(
        line(&said, "keyring").starts_with("warn") && line(&said, "keyring").contains("crypto.key"),
        "no key configured: {said}"
    );

    let good = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="; // 32 bytes
    let two = [
        ("TESSERA_CRYPTO__KEYS__K1", good.to_owned()),
        ("TESSERA_CRYPTO__KEYS__K2", good.to_owned()),
        ("TESSERA_CRYPTO__ACTIVE", "k2".to_owned()),
    ];
    let (output, said) = doctor(&url, &two);
    assert!(output.status.success(), "{said}");
    assert_eq!(
        line(&said, "keyring"),
        "ok    keyring        keys k1, k2; new values sealed with k2"
    );
    assert!(!said.contains(good), "a key printed: {said}");

    let short = "c2hvcnQta2V5LW9mLTE3LWJ5dGVz"; // 21 bytes
    let (output, said) = doctor(&url, &[("TESSERA_CRYPTO__KEYS__K1", short.to_owned())]);
    assert!(!output.status.success(), "{said}");
    assert!(line(&said, "keyring").starts_with("FAIL"), "{said}");
    assert!(line(&said, "keyring").contains("crypto.keys.k1"), "{said}");
    assert!(!said.contains(short), "a key printed: {said}");

    let (output, said) = doctor(
        &url,
        &[
            ("TESSERA_CRYPTO__KEYS__K1", good.to_owned()),
            ("TESSERA_CRYPTO__ACTIVE", "k9".to_owned()),
        ],
    );
    assert!(!output.status.success(), "{said}");
    assert!(line(&said, "keyring").contains("\"k9\""), "{said}");
}
