//! Receipt PDFs over real HTTP: rendered by the `receipts.render` job,
//! stored once with their hash, downloaded by their member, the payer and
//! the treasurer only, never across tenants; text from members is printed,
//! never interpreted.

use serde_json::json;
use sha2::{Digest, Sha256};
use tessera::auth::Role;
use tessera::contributions::receipts::{cancel_and_reissue, render};
use tessera::model::{Amount, Currency};
use tessera::storage::StorageError;

use crate::api_auth::{PASSWORD, admin_token};
use crate::contributions_receipts_fixture::{
    Auth, fetch, member, pdf_text, receipt, rendered, session, stored, stored_as,
};
use crate::helpers::api_client::{login, post};
use crate::helpers::browser::create_account;
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_job_renders_a_receipt_once_and_its_member_downloads_it() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("rcpt", "Les Amis du Quartier").await;
    let host = tenant.default_host.to_string();
    let alice = member(&app, &tenant, "alice@example.org", "Alice Martin").await;
    let id = receipt(&app, &tenant, (alice, alice), 4550, 42, false).await;

    // Queued as `receipts::number::issue` does; the app's own worker runs it.
    let mut tx = app.tenant_tx(&tenant).await;
    render::enqueue(&mut tx, id).await.expect("enqueue");
    tx.commit().await.expect("commit");
    let (key, sha) = rendered(&app, &tenant, id, false).await;
    let prefix: String = sha.iter().take(8).map(|b| format!("{b:02x}")).collect();
    assert_eq!(key, format!("receipts/2026/000042-{prefix}.pdf"));
    let storage = app.state.storage.clone();
    let bytes = storage
        .get(tenant.id, &key)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        Sha256::digest(&bytes).to_vec(),
        sha,
        "the row's hash is the file's"
    );

    // Write-once: the same bytes again are fine, other bytes are refused.
    storage
        .put(tenant.id, &key, &bytes)
        .await
        .expect("same bytes");
    let other = storage.put(tenant.id, &key, b"%PDF-forged").await;
    assert!(matches!(other, Err(StorageError::Exists(_))), "{other:?}");
    // Rendering again changes nothing: same key, same file.
    let tx = app.tenant_tx(&tenant).await;
    let again = render::ensure(tx, &storage, id).await.expect("ensure");
    assert_eq!(again.map(|s| s.key), Some(key.clone()));

    let cookie = session(&app, &tenant, alice, Role::Member).await;
    let path = format!("/membership/receipts/{id}.pdf");
    let (status, headers, body) = fetch(&app, &host, &path, Auth::Cookie(&cookie)).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"recu-2026-000042.pdf\""
    );
    assert_eq!(headers["cache-control"], "private, no-store");
    assert_eq!(body, bytes, "the stored file is what is sent");
    let text = pdf_text(&body);
    let amount = Amount::new(4550, Currency::parse("EUR").expect("EUR")).expect("amount");
    for expected in [
        "2026-000042",
        "Alice Martin",
        "Les Amis du Quartier",
        "Adhésion annuelle",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    let amount = amount.format("fr").replace(['\u{a0}', '\u{202f}'], " ");
    assert!(text.contains(&amount), "{amount:?} missing from:\n{text}");
    assert!(!text.contains("ANNULÉ"), "a live receipt has no watermark");

    // Cancelled (and reissued) by the core: a watermarked copy is rendered
    // beside the original, which stays as it was; the download shows it.
    let mut tx = app.tenant_tx(&tenant).await;
    cancel_and_reissue(&mut tx, id, "wrong amount", None)
        .await
        .expect("cancelled");
    tx.commit().await.expect("commit");
    let (void_key, void_sha) = rendered(&app, &tenant, id, true).await;
    assert_ne!(void_key, key);
    assert_eq!(
        stored(&app, &tenant, id).await,
        (Some(key.clone()), Some(sha))
    );
    assert_eq!(
        storage.get(tenant.id, &key).await.expect("read"),
        Some(bytes)
    );
    let (status, _, body) = fetch(&app, &host, &path, Auth::Cookie(&cookie)).await;
    assert_eq!(status, 200);
    assert_eq!(Sha256::digest(&body).to_vec(), void_sha);
    let text = pdf_text(&body);
    assert!(
        text.contains("ANNULÉ") && text.contains("2026-000042"),
        "{text}"
    );
}

#[tokio::test]
async fn a_tampered_file_is_never_sent() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("rcpt-hash", "Hash").await;
    let host = tenant.default_host.to_string();
    let alice = member(&app, &tenant, "alice@example.org", "Alice").await;
    let id = receipt(&app, &tenant, (alice, alice), 1000, 1, false).await;
    // The row points at a file whose bytes do not match its hash.
    let mut tx = app.tenant_tx(&tenant).await;
    sqlx::query(
        "UPDATE receipts SET storage_key = 'receipts/2026/x.pdf', sha256 = $2 WHERE id = $1",
    )
    .bind(id)
    .bind(vec![0_u8; 32])
    .execute(tx.conn().await.expect("conn"))
    .await
    .expect("update");
    tx.commit().await.expect("commit");
    let storage = app.state.storage.clone();
    storage
        .put(tenant.id, "receipts/2026/x.pdf", b"%PDF-1.7 other")
        .await
        .expect("put");
    let cookie = session(&app, &tenant, alice, Role::Member).await;
    let path = format!("/membership/receipts/{id}.pdf");
    let (status, _, body) = fetch(&app, &host, &path, Auth::Cookie(&cookie)).await;
    assert_eq!(status, 500);
    assert!(!body.starts_with(b"%PDF"), "tampered bytes were sent");
}

#[tokio::test]
async fn a_cancelled_receipt_is_watermarked_and_markup_in_names_is_printed() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("rcpt-wm", "Watermark").await;
    let host = tenant.default_host.to_string();
    let name = r#"#set text(fill: red) ] #read("/etc/passwd") $x$ *b*"#;
    let mallory = member(&app, &tenant, "m@example.org", name).await;
    let id = receipt(&app, &tenant, (mallory, mallory), 2000, 7, true).await;
    let treasurer = create_account(&app, &tenant, "t@example.org", PASSWORD, Role::Treasurer).await;
    let cookie = session(&app, &tenant, treasurer, Role::Treasurer).await;

    // Never rendered yet: the download renders it on demand.
    assert_eq!(stored_as(&app, &tenant, id, true).await.0, None);
    let path = format!("/treasury/receipts/{id}.pdf");
    let (status, _, body) = fetch(&app, &host, &path, Auth::Cookie(&cookie)).await;
    assert_eq!(status, 200);
    let (_, sha) = stored_as(&app, &tenant, id, true).await;
    assert_eq!(
        sha,
        Some(Sha256::digest(&body).to_vec()),
        "stored on demand"
    );
    let text = pdf_text(&body);
    assert!(text.contains("ANNULÉ"), "no watermark in:\n{text}");
    assert!(text.contains("CANCELLED"), "no watermark in:\n{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains(name),
        "the name was not printed literally:\n{text}"
    );
    assert!(!flat.contains("root:"), "a file of the server was read");
}

#[tokio::test]
async fn receipts_are_readable_by_their_member_payer_and_treasurer_only() {
    let app = spawn_app().await;
    let (a, _) = app.create_tenant("rcpt-a", "A").await;
    let (b, _) = app.create_tenant("rcpt-b", "B").await;
    let (host_a, host_b) = (a.default_host.to_string(), b.default_host.to_string());
    let alice = member(&app, &a, "alice@example.org", "Alice").await;
    let bob = member(&app, &a, "bob@example.org", "Bob").await;
    let payer = member(&app, &a, "payer@example.org", "Parent").await;
    let mine = receipt(&app, &a, (alice, payer), 3000, 1, false).await;
    // B has two receipts, so B's second id names nothing on A.
    let carol = member(&app, &b, "carol@example.org", "Carol").await;
    receipt(&app, &b, (carol, carol), 1000, 1, false).await;
    let bs = receipt(&app, &b, (carol, carol), 1000, 2, false).await;
    assert!(bs > mine);

    let path = |id: i64| format!("/membership/receipts/{id}.pdf");
    let as_alice = session(&app, &a, alice, Role::Member).await;
    let as_bob = session(&app, &a, bob, Role::Member).await;
    let as_payer = session(&app, &a, payer, Role::Member).await;
    let get = |host: &str, p: String, auth| {
        let (app, host) = (&app, host.to_owned());
        async move { fetch(app, &host, &p, auth).await.0 }
    };
    assert_eq!(get(&host_a, path(mine), Auth::Cookie(&as_alice)).await, 200);
    assert_eq!(get(&host_a, path(mine), Auth::Cookie(&as_payer)).await, 200);
    assert_eq!(get(&host_a, path(mine), Auth::Cookie(&as_bob)).await, 404);
    assert_eq!(get(&host_a, path(bs), Auth::Cookie(&as_alice)).await, 404);
    assert_eq!(
        get(
            &host_a,
            "/membership/receipts/x.pdf".into(),
            Auth::Cookie(&as_alice)
        )
        .await,
        404
    );
    // Signed out: sent to sign in; A's cookie on B's host is nobody there.
    assert_eq!(get(&host_a, path(mine), Auth::None).await, 303);
    assert_eq!(get(&host_b, path(bs), Auth::Cookie(&as_alice)).await, 303);
    // The treasury's route needs the role.
    let treasury = format!("/treasury/receipts/{mine}.pdf");
    assert_eq!(
        get(&host_a, treasury.clone(), Auth::Cookie(&as_alice)).await,
        403
    );
    let t = create_account(&app, &a, "t@example.org", PASSWORD, Role::Treasurer).await;
    let as_treasurer = session(&app, &a, t, Role::Treasurer).await;
    assert_eq!(
        get(&host_a, treasury, Auth::Cookie(&as_treasurer)).await,
        200
    );
    let treasury_b = format!("/treasury/receipts/{bs}.pdf");
    assert_eq!(
        get(&host_a, treasury_b, Auth::Cookie(&as_treasurer)).await,
        404
    );

    // The API: a member's own, the treasurer's all, keys by scope.
    let api = |id: i64| format!("/api/v1/receipts/{id}.pdf");
    let (alice_token, _) = login(&app, &host_a, "alice@example.org", PASSWORD).await;
    let (bob_token, _) = login(&app, &host_a, "bob@example.org", PASSWORD).await;
    let (treasurer_token, _) = login(&app, &host_a, "t@example.org", PASSWORD).await;
    assert_eq!(
        get(&host_a, api(mine), Auth::Bearer(&alice_token)).await,
        200
    );
    assert_eq!(get(&host_a, api(mine), Auth::Bearer(&bob_token)).await, 404);
    assert_eq!(
        get(&host_a, api(mine), Auth::Bearer(&treasurer_token)).await,
        200
    );
    assert_eq!(
        get(&host_a, api(bs), Auth::Bearer(&treasurer_token)).await,
        404
    );
    assert_eq!(
        get(&host_b, api(bs), Auth::Bearer(&treasurer_token)).await,
        401
    );
    assert_eq!(get(&host_a, api(mine), Auth::None).await, 401);
    let (_, admin) = admin_token(&app, &a, "admin@example.org").await;
    let key = |scopes: serde_json::Value| {
        let (app, host, admin) = (&app, host_a.clone(), admin.clone());
        async move {
            let body = json!({ "name": "k", "scopes": scopes });
            let created = post(app, &host, "/api/v1/api-keys", &body, Some(&admin)).await;
            assert_eq!(created.status, 201, "{created:?}");
            created.json["key"].as_str().expect("key").to_owned()
        }
    };
    let reader = key(json!(["contributions:read"])).await;
    let other = key(json!(["members:read"])).await;
    assert_eq!(get(&host_a, api(mine), Auth::Bearer(&reader)).await, 200);
    assert_eq!(get(&host_a, api(mine), Auth::Bearer(&other)).await, 403);
    assert_eq!(get(&host_b, api(bs), Auth::Bearer(&reader)).await, 401);

    let (_, _, doc) = fetch(&app, &host_a, "/api/v1/openapi.json", Auth::None).await;
    let doc: serde_json::Value = serde_json::from_slice(&doc).expect("json");
    let op = &doc["paths"]["/api/v1/receipts/{id}.pdf"]["get"];
    assert!(
        op["responses"]["200"]["content"]["application/pdf"].is_object(),
        "{op}"
    );
}

/// Not a benchmark: prints how long one receipt takes to typeset here
/// (a debug build under `cargo test`), so a slow-down shows in the log.
#[test]
fn typesetting_a_receipt_takes_milliseconds() {
    use tessera::contributions::Method;
    use tessera::contributions::receipts::pdf::{
        Association, Lang, Line, Member, ReceiptPdf, render_blocking,
    };
    let receipt = ReceiptPdf {
        lang: Lang::En,
        association: Association {
            name: "Timing Club".into(),
            address: vec!["1 Main Street".into()],
            colour: None,
        },
        number: "2026-000001".into(),
        issued_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 14).expect("date"),
        member: Member {
            name: "Grace Hopper".into(),
            address: vec![],
        },
        amount: "€30.00".into(),
        amount_in_words: Some("thirty euros".into()),
        paid_on: chrono::NaiveDate::from_ymd_opt(2026, 9, 14).expect("date"),
        method: Method::Transfer,
        lines: vec![Line {
            label: "Membership".into(),
            amount: "€30.00".into(),
        }],
        cancelled: false,
    };
    let first = render_blocking(&receipt).expect("rendered");
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let again = render_blocking(&receipt).expect("rendered");
        times.push(started.elapsed());
        assert_eq!(again, first, "the same receipt renders to the same bytes");
    }
    times.sort();
    eprintln!(
        "receipt typeset in {:?} (median of 5, this build's profile)",
        times[2]
    );
    let text = pdf_text(&first);
    assert!(
        text.contains("Grace Hopper") && text.contains("thirty euros"),
        "{text}"
    );
}
