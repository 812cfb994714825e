//! Members' phone numbers and IBANs sealed at rest: a data-only `pg_dump`
//! of the database holds none of them, in clear or in hex; values an
//! earlier release left clear are read, then sealed by `tessera crypto
//! reseal`; after a new key is made active, the same command re-seals
//! everything under it, and the pages still show the values once the old
//! key has left the ring.

use serde_json::json;

use crate::contributions_fixture::{PASSWORD, desk, send};
use crate::direct_debit_collections::member_with_mandate;
use crate::helpers::api_client;
use crate::helpers::cluster::database_url;
use crate::helpers::{migrated_database, spawn_app_with};
use crate::sealed_secrets::{K1, K2, keyed};

const PHONE: &str = "+33 6 12 34 56 78";
/// The mandate's IBAN, written in clear as an earlier release did (not the
/// creditor's, which `member_with_mandate` also writes there).
const OLD_IBAN: &str = "GB82WEST12345698765432";
const NEW_IBAN: &str = "DE89370400440532013000";

/// The database's rows as `pg_dump --data-only` writes them.
fn dump(options: &sqlx::postgres::PgConnectOptions) -> String {
    let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
        .ok()
        .and_then(|versions| versions.flatten().map(|v| v.path()).max())
        .map(|dir| dir.join("bin/pg_dump"))
        .filter(|path| path.exists())
        .unwrap_or_else(|| "pg_dump".into());
    let out = std::process::Command::new(pg_dump)
        .args([
            "--data-only",
            "--no-owner",
            "--dbname",
            &database_url(options),
        ])
        .output()
        .expect("pg_dump runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 dump")
}

/// Whether `dump` shows `value` in clear or as bytea hex.
fn shows(dump: &str, value: &str) -> bool {
    dump.contains(value) || dump.contains(&hex::encode(value))
}

/// `tessera crypto reseal` on the database, with keys k1 and k2, k2 active.
pub fn reseal(options: &sqlx::postgres::PgConnectOptions) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(["crypto", "reseal"])
        .env("RUST_LOG", "warn")
        .env("DATABASE_URL", database_url(options))
        .env("TESSERA_CRYPTO__KEYS__K1", K1)
        .env("TESSERA_CRYPTO__KEYS__K2", K2)
        .env("TESSERA_CRYPTO__ACTIVE", "k2")
        .output()
        .expect("tessera runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn phones_and_ibans_are_sealed_in_a_dump_and_follow_a_key_rotation() {
    let database = migrated_database().await;
    let first = spawn_app_with(database.clone(), keyed(&[("k1", K1)], "k1")).await;
    let desk = desk(&first, "sealcol").await;
    let (member, _) = member_with_mandate(&first, &desk, "zoe@sealcol.test", 1).await;
    let mandate: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "UPDATE {}.sdd_mandates SET iban = '{OLD_IBAN}' WHERE account_id = {member} RETURNING id",
        desk.tenant.schema()
    )))
    .fetch_one(first.pool())
    .await
    .expect("mandate");
    let (token, _) = api_client::login(&first, &desk.host, "zoe@sealcol.test", PASSWORD).await;
    let saved = send(
        &first,
        "PATCH",
        &desk.host,
        "/api/v1/auth/user",
        &json!({ "phone": PHONE }),
        &token,
    )
    .await;
    assert_eq!(saved.status, 200, "{:?}", saved.json);
    assert_eq!(saved.json["phone"], PHONE);

    // The phone written now is sealed; the mandate's IBAN, left clear by
    // "an earlier release", is still read and shows in the dump.
    let before = dump(&database);
    assert!(!shows(&before, PHONE), "the phone is in the dump");
    assert!(before.contains(OLD_IBAN), "the fixture's clear IBAN");

    // The treasurer moves the mandate to another account: both IBANs sealed.
    let path = format!("/api/v1/direct-debit/mandates/{mandate}/amend");
    let amended = send(
        &first,
        "POST",
        &desk.host,
        &path,
        &json!({ "iban": NEW_IBAN }),
        &desk.token,
    )
    .await;
    assert_eq!(amended.status, 200, "{:?}", amended.json);
    let after = dump(&database);
    for value in [PHONE, OLD_IBAN, NEW_IBAN] {
        assert!(!shows(&after, value), "{value} is in the dump");
    }

    // k2 made active: the command re-seals every value under it.
    let report = reseal(&database);
    assert!(
        report.contains("accounts 1") && report.contains("sdd_mandates 1"),
        "{report}"
    );
    assert!(report.contains("active key: k2"), "{report}");
    assert!(reseal(&database).contains("nothing to re-seal"));

    // k1 gone: everything still opens.
    let without_k1 = spawn_app_with(database, keyed(&[("k2", K2)], "k2")).await;
    let (token, _) = api_client::login(&without_k1, &desk.host, "zoe@sealcol.test", PASSWORD).await;
    let me = api_client::call(
        &without_k1,
        "GET",
        &desk.host,
        "/api/v1/auth/user",
        &json!({}),
        Some(&token),
    )
    .await;
    assert_eq!(me.json["phone"], PHONE);
    let shown = send(
        &without_k1,
        "GET",
        &desk.host,
        &format!("/api/v1/direct-debit/mandates/{mandate}"),
        &json!({}),
        &desk.token,
    )
    .await;
    assert_eq!(shown.status, 200, "{:?}", shown.json);
    assert!(shown.json.to_string().contains("3000"), "{:?}", shown.json);
}
