//! What the portability tests share: applications with a storage folder of
//! their own (a purge removes `<storage>/<id>/`, and ids repeat across
//! databases), a tenant with rows in most tables and a stored file,
//! independent per-table checksums, the footprint an import must not
//! leave, and archives rewritten member by member.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tessera::auth::Role;
use tessera::config::Config;
use tessera::jobs::{self, NewJob};
use tessera::portability::ImportOptions;
use tessera::portability::archive::{Reader, Writer};
use tessera::portability::purge::KIND as PURGE;
use tessera::portability::tables::TENANT_TABLES;
use tessera::tenancy::audit::Actor;
use tessera::tenancy::{Slug, Tenant};

use crate::api_auth::PASSWORD;
use crate::contributions_receipts_fixture::{member, receipt};
use crate::helpers::browser::create_account;
use crate::helpers::{TestApp, migrated_database, spawn_app_with, test_config};

pub const ADMIN: &str = "admin@portable.example";
pub const FILE_KEY: &str = "receipts/2026/000001-portable.pdf";
pub const FILE_BYTES: &[u8] = b"%PDF-1.7 not really a receipt";

/// A configuration whose storage folder is this test's alone.
pub fn config_with_own_storage() -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("storage dir");
    let mut config = test_config();
    config.storage.dir = Some(dir.path().to_owned());
    (config, dir)
}

/// An application on a database and a storage folder of its own.
pub async fn own_app() -> (TestApp, tempfile::TempDir) {
    let (config, dir) = config_with_own_storage();
    (spawn_app_with(migrated_database().await, config).await, dir)
}

pub fn actor() -> Actor {
    Actor::from("test")
}

/// A tenant with an administrator, a member, an announcement, a plan, a
/// membership, a payment, its receipt and the receipt's stored file, and
/// an API session (refresh token).
pub async fn rich_tenant(app: &TestApp, prefix: &str) -> Arc<Tenant> {
    let (tenant, _) = app.create_tenant(prefix, "Club Portable").await;
    let admin = create_account(app, &tenant, ADMIN, PASSWORD, Role::Admin).await;
    let holder = member(app, &tenant, "ana@portable.example", "Ana Lune").await;
    crate::helpers::publish(app, &tenant, "Assemblée générale le 12 mars").await;
    let id = receipt(app, &tenant, (holder, admin), 4500, 1, false).await;
    app.state
        .storage
        .put(tenant.id, FILE_KEY, FILE_BYTES)
        .await
        .expect("file stored");
    let mut tx = app.tenant_tx(&tenant).await;
    sqlx::query("UPDATE receipts SET storage_key = $2, sha256 = $3 WHERE id = $1")
        .bind(id)
        .bind(FILE_KEY)
        .bind(Sha256::digest(FILE_BYTES).to_vec())
        .execute(tx.conn().await.expect("conn"))
        .await
        .expect("receipt file");
    tx.commit().await.expect("commit");
    let host = tenant.default_host.to_string();
    crate::helpers::api_client::login(app, &host, ADMIN, PASSWORD).await;
    tenant
}

/// Rows and an independent checksum of every table of `schema`, each
/// computed by PostgreSQL over its rows' text in a bytewise order.
pub async fn table_sums(app: &TestApp, schema: &str) -> BTreeMap<String, (i64, String)> {
    let mut sums = BTreeMap::new();
    for table in TENANT_TABLES {
        let sql = format!(
            "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE \"C\")), '')
             FROM {schema}.{table} AS t"
        );
        let sum: (i64, String) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_one(app.pool())
            .await
            .expect("checksum");
        sums.insert((*table).to_owned(), sum);
    }
    sums
}

/// Every file under `dir` with its bytes, by relative path.
pub fn files_under(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.map(|e| e.expect("entry")) {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("file");
                found.insert(path.strip_prefix(dir).expect("prefix").to_owned(), bytes);
            }
        }
    }
    found
}

/// What an import creates when it succeeds: tenants, schemas, roles,
/// registry and audit rows, and storage folders.
pub async fn footprint(app: &TestApp, storage: &Path) -> (Vec<i64>, usize) {
    let counts: (i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM platform.tenants),
                (SELECT count(*) FROM platform.domains),
                (SELECT count(*) FROM platform.tenant_schemas),
                (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'),
                (SELECT count(*) FROM pg_roles
                 WHERE rolname LIKE (SELECT prefix || '\\_t\\_%' FROM platform.db_roles)),
                (SELECT count(*) FROM platform.audit_log)",
    )
    .fetch_one(app.pool())
    .await
    .expect("footprint");
    let folders = std::fs::read_dir(storage).map_or(0, |d| d.count());
    let (a, b, c, d, e, f) = counts;
    (vec![a, b, c, d, e, f], folders)
}

/// The members of an archive, in order.
pub async fn members(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut reader = Reader::new(archive);
    let mut found = Vec::new();
    while let Some(entry) = reader.next().await.expect("member") {
        let body = reader.body(&entry).await.expect("body");
        found.push((entry.name, body));
    }
    found
}

/// An archive of `members`.
pub async fn archive_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = Writer::new(Vec::new());
    for (name, body) in members {
        writer.member(name, body).await.expect("member");
    }
    writer.finish().await.expect("archive").0
}

/// `archive` with its manifest changed by `change`.
pub async fn with_manifest(archive: &[u8], change: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut all = members(archive).await;
    let mut manifest: serde_json::Value = serde_json::from_slice(&all[0].1).expect("json");
    change(&mut manifest);
    all[0].1 = serde_json::to_vec(&manifest).expect("json");
    archive_of(&all).await
}

/// `archive` with the header named `from` renamed `to` (or its type set
/// to `kind`), its checksum made right again: what a hostile tool writes.
pub fn patch_header(archive: &[u8], from: &str, to: &str, kind: u8) -> Vec<u8> {
    let mut bytes = archive.to_vec();
    let at = (0..bytes.len())
        .step_by(512)
        .find(|at| bytes[*at..].starts_with(from.as_bytes()) && bytes[at + from.len()] == 0)
        .expect("header");
    let header = &mut bytes[at..at + 512];
    header[..100].fill(0);
    header[..to.len()].copy_from_slice(to.as_bytes());
    header[156] = kind;
    header[148..156].fill(b' ');
    let sum: u64 = header.iter().map(|b| u64::from(*b)).sum();
    header[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    bytes
}

pub async fn export(app: &TestApp, slug: &Slug) -> Vec<u8> {
    let (bytes, _) = app
        .state
        .portability
        .export(slug, Vec::new(), &actor())
        .await
        .expect("export");
    bytes
}

pub async fn import(
    app: &TestApp,
    archive: &[u8],
    slug: Option<Slug>,
) -> tessera::portability::Imported {
    let options = ImportOptions {
        slug,
        ..Default::default()
    };
    app.state
        .portability
        .import(archive, &options, &actor())
        .await
        .expect("import")
}

/// Runs the purge job now, with the app's own handlers.
pub async fn run_purge(app: &TestApp) {
    jobs::enqueue_platform(app.pool(), None, NewJob::new(PURGE, serde_json::json!({})))
        .await
        .unwrap();
    let worker = tessera::app::job_worker(&app.state);
    while !worker.run_once().await.unwrap().is_empty() {}
}
