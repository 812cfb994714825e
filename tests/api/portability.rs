//! Moving a tenant: an export imported into a second database is the same
//! tenant (rows, checksums, files, pages, sign-in); under a new slug on the
//! same database the copy stays apart and its ids continue after the
//! imported ones; tampered, newer and hostile archives are refused and
//! leave nothing. Deletion closes the host at once, restoration reopens
//! it, the purge job frees everything; the console's buttons are for the
//! operator role; the command line does the round trip.

use std::time::Duration;

use tessera::platform::operators::OperatorRole;
use tessera::portability::ImportOptions;
use tessera::portability::tables::TENANT_TABLES;
use tessera::tenancy::registry;

use crate::api_auth::PASSWORD;
use crate::helpers::console::signed_in_operator;
use crate::helpers::{TestApp, spawn_app_with, unique_slug};
use crate::portability_fixture::*;

#[tokio::test]
async fn export_then_import_into_a_second_database_reproduces_the_tenant() {
    let (source, source_files) = own_app().await;
    let tenant = rich_tenant(&source, "move").await;
    let archive = export(&source, &tenant.slug).await;

    let (target, target_files) = own_app().await;
    let imported = import(&target, &archive, None).await;
    assert_eq!(imported.slug, tenant.slug.as_str());
    let copy = registry::find_by_slug(target.pool(), &tenant.slug)
        .await
        .unwrap()
        .unwrap();
    let before = table_sums(&source, tenant.schema().as_str()).await;
    let after = table_sums(&target, copy.schema().as_str()).await;
    assert_eq!(before, after);
    for table in [
        "accounts",
        "announcements",
        "receipts",
        "refresh_tokens",
        "payments",
    ] {
        assert!(before[table].0 > 0, "the fixture has rows in {table}");
    }
    let files = files_under(&source_files.path().join(tenant.id.to_string()));
    assert_eq!(files.len(), 1);
    assert_eq!(
        files,
        files_under(&target_files.path().join(copy.id.to_string()))
    );
    let host = tenant.default_host.to_string();
    let (status, page) = source.get_text(&host, "/").await;
    assert_eq!((status, page.contains("Assemblée générale")), (200, true));
    assert_eq!(target.get_text(&host, "/").await, (status, page));
    crate::helpers::api_client::login(&target, &host, ADMIN, PASSWORD).await;
}

#[tokio::test]
async fn import_under_a_new_slug_on_the_same_database_keeps_both_apart() {
    let (app, _files) = own_app().await;
    let tenant = rich_tenant(&app, "twin").await;
    let archive = export(&app, &tenant.slug).await;
    let imported = import(&app, &archive, Some(unique_slug("twin-copy"))).await;
    let copy = registry::find_by_id(
        app.pool(),
        tessera::model::TenantId::new(imported.tenant_id),
    )
    .await
    .unwrap()
    .unwrap();
    assert_ne!(copy.id, tenant.id);
    let copy = std::sync::Arc::new(copy);
    // Identities continue after the imported ids (COPY does not move them).
    let max_before: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT max(id) FROM {}.announcements",
        copy.schema()
    )))
    .fetch_one(app.pool())
    .await
    .unwrap();
    let new_id = crate::helpers::publish(&app, &copy, "Only on the copy").await;
    assert_eq!(new_id, max_before + 1);
    let (status, original) = app.get_text(tenant.default_host.as_str(), "/").await;
    assert_eq!(status, 200);
    assert!(!original.contains("Only on the copy"));
    let (status, copied) = app.get_text(copy.default_host.as_str(), "/").await;
    assert_eq!(status, 200);
    assert!(copied.contains("Only on the copy") && copied.contains("Assemblée générale"));
    // The copy's transactions cannot read the original's schema.
    let mut tx = app.tenant_tx(&copy).await;
    let sql = format!("SELECT count(*) FROM {}.accounts", tenant.schema());
    let refused = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .fetch_one(tx.conn().await.unwrap())
        .await;
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("permission denied")
    );
}

/// Imports `archive`, expects a refusal naming `reason`, and checks that
/// nothing was left behind.
async fn refused(app: &TestApp, storage: &std::path::Path, archive: &[u8], reason: &str) {
    let before = footprint(app, storage).await;
    let options = ImportOptions {
        slug: Some(unique_slug("bad")),
        ..Default::default()
    };
    let error = app
        .state
        .portability
        .import(archive, &options, &actor())
        .await
        .expect_err("refused");
    assert!(error.to_string().contains(reason), "{reason}: {error}");
    assert_eq!(
        footprint(app, storage).await,
        before,
        "{reason}: something was left"
    );
}

#[tokio::test]
async fn a_tampered_or_newer_archive_is_refused_and_leaves_nothing() {
    let (app, files) = own_app().await;
    let tenant = rich_tenant(&app, "tamper").await;
    let archive = export(&app, &tenant.slug).await;
    // A title edited inside the data: loaded, then found not to match.
    let mut edited = archive.clone();
    let at = edited
        .windows(10)
        .position(|w| w == b"Assembl\xc3\xa9e")
        .unwrap();
    edited[at] = b'X';
    refused(&app, files.path(), &edited, "does not match its checksums").await;
    // A file's bytes changed: written, found wrong, removed again.
    let mut edited = archive.clone();
    let at = edited.windows(8).position(|w| w == b"%PDF-1.7").unwrap();
    edited[at + 1] = b'Q';
    refused(&app, files.path(), &edited, "does not match its checksums").await;
    let newer = with_manifest(&archive, |m| {
        let migrations = m["tenant_migrations"].as_array_mut().unwrap();
        let mut next = migrations.last().unwrap().clone();
        next["version"] = serde_json::json!(9999);
        migrations.push(next);
    })
    .await;
    refused(&app, files.path(), &newer, "newer than this binary").await;
    let changed = with_manifest(&archive, |m| {
        m["tenant_migrations"][0]["checksum_hex"] = serde_json::json!("00");
    })
    .await;
    refused(&app, files.path(), &changed, "differ from this binary").await;
    let truncated = &archive[..archive.len() / 2];
    refused(&app, files.path(), truncated, "truncated").await;
}

#[tokio::test]
async fn a_malicious_archive_is_refused() {
    let (app, files) = own_app().await;
    let tenant = rich_tenant(&app, "hostile").await;
    let archive = export(&app, &tenant.slug).await;
    let escape = patch_header(&archive, "files/0", "../../etc/x", b'0');
    refused(&app, files.path(), &escape, "refused member name").await;
    let link = patch_header(&archive, "files/0", "files/0", b'2');
    refused(&app, files.path(), &link, "no link").await;
    let key = with_manifest(&archive, |m| {
        m["files"][0]["key"] = serde_json::json!("../2/receipts/x.pdf");
    })
    .await;
    refused(&app, files.path(), &key, "file \"../2/receipts/x.pdf\"").await;
    let unknown = with_manifest(&archive, |m| {
        m["tables"][0]["shape"]["name"] = serde_json::json!("pg_authid");
    })
    .await;
    refused(&app, files.path(), &unknown, "unknown table").await;
    let column = with_manifest(&archive, |m| {
        m["tables"][1]["shape"]["columns"][1] = serde_json::json!("email) TO PROGRAM 'id'; --");
    })
    .await;
    refused(&app, files.path(), &column, "described badly").await;
    let renamed = with_manifest(&archive, |m| {
        m["tables"][1]["shape"]["columns"][1] = serde_json::json!("password_hash_2");
    })
    .await;
    refused(&app, files.path(), &renamed, "tables or columns differ").await;
}

#[tokio::test]
async fn delete_closes_the_host_at_once_restore_reopens_it_and_the_purge_frees_everything() {
    let (mut config, files) = config_with_own_storage();
    config.deletion.grace_days = 0;
    config.jobs.workers = 0;
    let app = spawn_app_with(crate::helpers::migrated_database().await, config).await;
    let tenant = rich_tenant(&app, "gone").await;
    let host = tenant.default_host.to_string();
    let provisioner = &app.state.provisioner;
    assert!(provisioner.delete(&tenant.slug, "test").await.unwrap());
    assert_eq!(app.get_text(&host, "/").await.0, 410);
    assert!(provisioner.restore(&tenant.slug, "test").await.unwrap());
    assert_eq!(app.get_text(&host, "/").await.0, 200);
    assert!(provisioner.delete(&tenant.slug, "test").await.unwrap());
    let again = tessera::tenancy::provision::NewTenant::new(tenant.slug.clone(), "Again");
    let taken = app.state.provisioner.create(&again, "test").await;
    assert!(taken.is_err(), "the slug stays reserved until the purge");
    let folder = files.path().join(tenant.id.to_string());
    assert!(folder.exists());

    run_purge(&app).await;
    let left: (i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT (SELECT count(*) FROM platform.tenants WHERE id = {id}),
                (SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'),
                (SELECT count(*) FROM pg_roles WHERE rolname = platform.tenant_role('{schema}'))",
        id = tenant.id,
        schema = tenant.schema()
    )))
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(left, (0, 0, 0));
    assert!(!folder.exists());
    assert_eq!(app.get_text(&host, "/").await.0, 404);
    let (again, _) = app.create(&again).await;
    assert_ne!(again.id, tenant.id);
    assert!(
        app.wait_for_home(&host, Duration::from_secs(5), |s, b| s == 200
            && b.contains("Again"))
            .await
    );
}

#[tokio::test]
async fn the_console_exports_deletes_and_restores_for_operators_only() {
    let (app, _files) = own_app().await;
    let tenant = rich_tenant(&app, "desk").await;
    let host = tenant.default_host.to_string();
    let slug = tenant.slug.to_string();
    let (mut support, _, _) = signed_in_operator(&app, OperatorRole::Support).await;
    assert_eq!(
        support
            .get(&format!("/console/tenants/{slug}"))
            .await
            .status,
        200
    );
    assert_eq!(
        support
            .get(&format!("/console/tenants/{slug}/export"))
            .await
            .status,
        403
    );
    let page = support
        .post(
            &format!("/console/tenants/{slug}/delete"),
            &[("confirm", &slug)],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(app.get_text(&host, "/").await.0, 200);

    let (mut operator, _, _) = signed_in_operator(&app, OperatorRole::Operator).await;
    let detail = operator.get(&format!("/console/tenants/{slug}")).await;
    assert!(
        detail
            .body
            .contains(&format!("/console/tenants/{slug}/export"))
    );
    let url = format!("http://{}/console/tenants/{slug}/export", app.addr);
    let cookie = format!(
        "{}={}",
        crate::helpers::console::SESSION,
        operator.session().unwrap()
    );
    let response = app
        .http
        .get(url)
        .header(reqwest::header::HOST, crate::helpers::console::HOST_NAME)
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-tar");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let archive = response.bytes().await.unwrap();
    let copy = import(&app, &archive, Some(unique_slug("desk-copy"))).await;
    assert_eq!(copy.files, 1);

    let wrong = operator
        .post(
            &format!("/console/tenants/{slug}/delete"),
            &[("confirm", "nope")],
        )
        .await;
    assert_eq!(wrong.status, 303);
    assert_eq!(
        app.get_text(&host, "/").await.0,
        200,
        "no deletion without the slug"
    );
    let done = operator
        .post(
            &format!("/console/tenants/{slug}/delete"),
            &[("confirm", &slug)],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(app.get_text(&host, "/").await.0, 410);
    let page = operator.get(&format!("/console/tenants/{slug}")).await;
    assert!(
        page.body
            .contains(&format!("/console/tenants/{slug}/restore"))
    );
    let restored = operator
        .post(&format!("/console/tenants/{slug}/restore"), &[])
        .await;
    assert_eq!(restored.status, 303);
    assert_eq!(app.get_text(&host, "/").await.0, 200);
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM platform.audit_log WHERE tenant_id = $1 AND via = 'console' ORDER BY id",
    )
    .bind(tenant.id.get())
    .fetch_all(app.pool())
    .await
    .unwrap();
    assert_eq!(
        audited,
        ["tenant.export", "tenant.delete", "tenant.restore"]
    );
}

#[tokio::test]
async fn the_table_list_is_every_table_of_a_fresh_schema_parents_first() {
    let app = crate::helpers::spawn_isolated_app().await;
    let (tenant, _) = app.create_tenant("tables", "Tables").await;
    let sql = format!(
        "SELECT c.relname::text,
                coalesce(array_agg(DISTINCT p.relname::text)
                         FILTER (WHERE p.relname IS NOT NULL AND p.oid <> c.oid), '{{}}')
         FROM pg_class c
         LEFT JOIN pg_constraint f ON f.conrelid = c.oid AND f.contype = 'f'
         LEFT JOIN pg_class p ON p.oid = f.confrelid
         WHERE c.relnamespace = '{}'::regnamespace AND c.relkind = 'r'
         GROUP BY c.relname",
        tenant.schema()
    );
    let rows: Vec<(String, Vec<String>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(app.pool())
        .await
        .unwrap();
    let mut names: Vec<&str> = rows.iter().map(|(t, _)| t.as_str()).collect();
    names.sort_unstable();
    let mut listed = TENANT_TABLES.to_vec();
    listed.sort_unstable();
    assert_eq!(names, listed, "TENANT_TABLES must name every tenant table");
    let position = |t: &str| TENANT_TABLES.iter().position(|l| *l == t).unwrap();
    for (table, parents) in &rows {
        for parent in parents {
            assert!(
                position(parent) < position(table),
                "{parent} must load before {table}"
            );
        }
    }
}
