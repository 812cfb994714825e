//! Direct debit rounds through the pages (no JavaScript: plan, write the
//! bank file, download it, upload the bank's report as a file, the
//! member's list of debits) and across tenants: another tenant's file,
//! debits, host, cookie and token reach nothing, and its bank report
//! cannot touch our debits.

use tessera::auth::Role;

use crate::contributions_fixture::{app, desk, get, scalar, send};
use crate::direct_debit_collections::{creditor, import, member_with_mandate, pain_002};
use crate::helpers::browser::{Browser, Page};

const BOUNDARY: &str = "tessera-test-boundary";

/// A multipart body with the CSRF token first, then the file.
fn multipart(csrf: &str, file: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.xml\"\r\n\
         Content-Type: application/xml\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
    )
}

/// Uploads `file` as the bank report, from the page's form.
async fn upload(browser: &mut Browser<'_>, file: &str) -> Page {
    let body = multipart(&browser.csrf(), file);
    let request = browser
        .app
        .http
        .post(browser.url("/treasury/direct-debit/returns"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body);
    browser.send(request).await
}

#[tokio::test]
async fn a_treasurer_runs_a_round_from_the_pages() {
    let app = app().await;
    let desk = desk(&app, "sdd-round").await;
    let (member, _) = member_with_mandate(&app, &desk, "zoe@sdd-round.test", 1).await;
    let mut treasurer =
        Browser::signed_in_as(&app, &desk.tenant, desk.treasurer, Role::Treasurer).await;
    let planned = treasurer
        .post("/treasury/direct-debit/collections/plan", &[])
        .await;
    assert_eq!(planned.status, 303);
    let page = treasurer.get("/treasury/direct-debit/collections").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains(&format!("RUM-{member}")),
        "{}",
        page.body
    );
    let written = treasurer.post("/treasury/direct-debit/batches", &[]).await;
    assert_eq!(written.status, 303);
    let id = scalar(&app, &desk.tenant, "SELECT max(id) FROM sdd_batches").await;
    let page = treasurer.get("/treasury/direct-debit/collections").await;
    let link = format!("/treasury/direct-debit/batches/{id}/file");
    assert!(page.body.contains(&link), "{}", page.body);
    let file = treasurer.get(&link).await;
    assert_eq!(file.status, 200);
    assert!(file.content_type.starts_with("application/xml"));
    assert!(file.body.contains("pain.008.001.08"));

    let e2e = format!(
        "TSR-DD-{:010}",
        scalar(&app, &desk.tenant, "SELECT max(id) FROM sdd_collections").await
    );
    let uploaded = upload(&mut treasurer, &pain_002(&e2e, "MS02")).await;
    assert_eq!(uploaded.status, 200, "{}", uploaded.body);
    assert!(
        uploaded.body.contains("id=\"import-result\""),
        "{}",
        uploaded.body
    );
    let rejected =
        "SELECT count(*) FROM sdd_collections WHERE status = 'rejected' AND reason = 'MS02'";
    assert_eq!(scalar(&app, &desk.tenant, rejected).await, 1);
    let refused = upload(&mut treasurer, "not a bank report").await;
    assert_eq!(refused.status, 422);

    let mut zoe = Browser::signed_in_as(&app, &desk.tenant, member, Role::Member).await;
    let mine = zoe.get("/membership/direct-debit").await;
    assert!(mine.body.contains("id=\"my-debits\""), "{}", mine.body);
    let denied = zoe.get("/treasury/direct-debit/collections").await;
    assert!(matches!(denied.status, 403 | 404), "{}", denied.status);
}

#[tokio::test]
async fn another_tenants_files_debits_and_reports_reach_nothing() {
    let app = app().await;
    let a = desk(&app, "sdd-iso-a").await;
    let b = desk(&app, "sdd-iso-b").await;
    let (member, _) = member_with_mandate(&app, &a, "zoe@sdd-iso-a.test", 1).await;
    send(
        &app,
        "POST",
        &a.host,
        "/api/v1/direct-debit/collections/plan",
        &serde_json::json!({}),
        &a.token,
    )
    .await;
    let batch = send(
        &app,
        "POST",
        &a.host,
        "/api/v1/direct-debit/batches",
        &serde_json::json!({}),
        &a.token,
    )
    .await;
    assert_eq!(batch.status, 201, "{:?}", batch.json);
    let file = format!("/api/v1/direct-debit/batches/{}/file", batch.json["id"]);
    let saved = send(
        &app,
        "PUT",
        &b.host,
        "/api/v1/direct-debit/settings",
        &creditor(),
        &b.token,
    )
    .await;
    assert_eq!(saved.status, 200);

    // B's token on A's host, A's file on B's host.
    assert_eq!(get(&app, &a.host, &file, &b.token).await.status, 401);
    assert_eq!(get(&app, &b.host, &file, &b.token).await.status, 404);
    let listed = get(&app, &b.host, "/api/v1/direct-debit/collections", &b.token).await;
    assert_eq!(listed.json, serde_json::json!([]));
    // A's debit in a report given to B: not B's, and A's stays submitted.
    let e2e = format!(
        "TSR-DD-{:010}",
        scalar(&app, &a.tenant, "SELECT max(id) FROM sdd_collections").await
    );
    let report = import(&app, &b, &pain_002(&e2e, "AM04")).await;
    assert_eq!(
        report.json["unknown"],
        serde_json::json!([e2e]),
        "{:?}",
        report.json
    );
    let submitted = "SELECT count(*) FROM sdd_collections WHERE status = 'submitted'";
    assert_eq!(scalar(&app, &a.tenant, submitted).await, 1);
    // A's treasurer cookie on B's host, A's member's debits from B.
    let mut cookie = Browser::signed_in_as(&app, &a.tenant, a.treasurer, Role::Treasurer).await;
    cookie.host = b.host.clone();
    let page = cookie
        .get(&format!(
            "/treasury/direct-debit/batches/{}/file",
            batch.json["id"]
        ))
        .await;
    assert_ne!(page.status, 200);
    let (zoe, _) = crate::helpers::api_client::login(
        &app,
        &a.host,
        "zoe@sdd-iso-a.test",
        crate::contributions_fixture::PASSWORD,
    )
    .await;
    assert_eq!(
        get(&app, &b.host, "/api/v1/me/debits", &zoe).await.status,
        401
    );
    let mine = get(&app, &a.host, "/api/v1/me/debits", &zoe).await;
    assert_eq!(mine.json[0]["account_id"], member);
}

/// A multipart body of `fields`, then `scan` as the file.
fn paper_form(fields: &[(&str, &str)], scan: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(scan);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

const SCAN: &[u8] = b"%PDF-1.4\n% a signed mandate\n%%EOF\n";

#[tokio::test]
async fn a_paper_mandate_is_recorded_with_its_scan_and_refused_whole() {
    let app = app().await;
    let a = desk(&app, "sdd-paper-a").await;
    let b = desk(&app, "sdd-paper-b").await;
    for desk in [&a, &b] {
        let saved = send(
            &app,
            "PUT",
            &desk.host,
            "/api/v1/direct-debit/settings",
            &creditor(),
            &desk.token,
        )
        .await;
        assert_eq!(saved.status, 200);
    }
    let member = crate::contributions_fixture::person(
        &app,
        &a.tenant,
        "li@sdd-paper-a.test",
        "Li Wei",
        Role::Member,
        false,
    )
    .await;
    let account = member.to_string();
    let fields = |signed_on: &'static str, iban: &'static str| {
        vec![
            ("account_id", account.clone()),
            ("kind", "recurrent".to_owned()),
            ("debtor_name", "Li Wei".to_owned()),
            ("town", "Sète".to_owned()),
            ("country", "FR".to_owned()),
            ("iban", iban.to_owned()),
            ("signed_on", signed_on.to_owned()),
        ]
    };
    let upload = |fields: Vec<(&'static str, String)>, scan: &'static [u8]| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request = app
            .http
            .post(format!(
                "http://{}/api/v1/direct-debit/mandates/paper",
                app.addr
            ))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(paper_form(&pairs, scan));
        crate::helpers::api_client::send(&app, request, &a.host, Some(&a.token))
    };
    let iban = "FR7630006000011234567890189";
    for (refused, why) in [
        (
            upload(fields("2026-01-10", iban), b"just text").await,
            "not a scan",
        ),
        (
            upload(fields("2999-01-10", iban), SCAN).await,
            "signed in the future",
        ),
        (
            upload(fields("2026-01-10", "FR7630006000011234567890100"), SCAN).await,
            "a wrong IBAN",
        ),
    ] {
        assert_eq!(refused.status, 422, "{why}: {:?}", refused.json);
    }
    assert_eq!(
        scalar(&app, &a.tenant, "SELECT count(*) FROM sdd_mandates").await,
        0
    );
    let stored = app.state.storage.list(a.tenant.id).await.expect("list");
    assert!(
        stored.is_empty(),
        "a refused mandate leaves no scan: {stored:?}"
    );

    let recorded = upload(fields("2026-01-10", iban), SCAN).await;
    assert_eq!(recorded.status, 201, "{:?}", recorded.json);
    assert_eq!(recorded.json["status"], "active");
    assert_eq!(recorded.json["signed_via"], "paper");
    let scan = format!("/api/v1/direct-debit/mandates/{}/scan", recorded.json["id"]);
    let back = app
        .http
        .get(format!("http://{}{scan}", app.addr))
        .header("host", &a.host)
        .header("authorization", format!("Bearer {}", a.token))
        .send()
        .await
        .expect("scan");
    assert_eq!(back.status(), 200);
    assert_eq!(back.headers()["content-type"], "application/pdf");
    assert_eq!(back.bytes().await.expect("bytes").as_ref(), SCAN);
    assert_eq!(
        get(&app, &b.host, &scan, &b.token).await.status,
        404,
        "not B's"
    );
    assert_eq!(get(&app, &a.host, &scan, &b.token).await.status, 401);

    // The page: the member named by their address.
    let mut treasurer = Browser::signed_in_as(&app, &a.tenant, a.treasurer, Role::Treasurer).await;
    let csrf = treasurer.csrf();
    let form = paper_form(
        &[
            ("csrf_token", &csrf),
            ("member_email", "li@sdd-paper-a.test"),
            ("kind", "one_off"),
            ("debtor_name", "Li Wei"),
            ("town", "Sète"),
            ("country", "FR"),
            ("iban", iban),
            ("signed_on", "2026-02-01"),
        ],
        SCAN,
    );
    let request = app
        .http
        .post(treasurer.url("/treasury/direct-debit/paper"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form);
    let page = treasurer.send(request).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        scalar(
            &app,
            &a.tenant,
            "SELECT count(*) FROM sdd_mandates WHERE kind = 'one_off'"
        )
        .await,
        1
    );
    let list = treasurer.get("/treasury/direct-debit").await;
    assert!(list.body.contains("/scan\""), "{}", list.body);
}
