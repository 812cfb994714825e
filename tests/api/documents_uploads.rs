//! Refused uploads, on a local folder and on s3s-fs alike: over the
//! association's limit, a declared type the content contradicts, a kind
//! not accepted, a form that names a folder that does not exist (refused
//! only once the file was stored: it is removed). Each answer is a clear
//! problem or form message, and afterwards the tenant has no row and no
//! file. The limit is the administrators' to set, within the platform's.

use serde_json::json;
use tessera::auth::Role;

use crate::documents_fixture::*;
use crate::helpers::api_client::{Reply, call, get};
use crate::on_both_stores;

on_both_stores!(
    an_upload_over_the_limit_or_with_a_lying_type_is_refused_and_nothing_is_stored,
    a_row_refused_after_its_file_was_stored_leaves_no_file,
);

fn assert_refused(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert!(reply.is_problem(), "{reply:?}");
    assert_eq!(reply.code(), code, "{reply:?}");
    assert!(reply.json["detail"].as_str().is_some_and(|d| !d.is_empty()));
}

async fn an_upload_over_the_limit_or_with_a_lying_type_is_refused_and_nothing_is_stored(
    store: Store,
) {
    let doc = doc_app(store).await;
    let app = &doc.app;
    let club = club(app, "refuse").await;
    let host = club.host.as_str();
    // Under the platform's default (10 MB), a file larger than other
    // request bodies may be (2 MB) goes through; then it is deleted.
    let mut three_mb = pdf("three megabytes");
    three_mb.resize(3 * 1024 * 1024, b' ');
    let large = add(
        app,
        &club,
        "large.pdf",
        "application/pdf",
        &three_mb,
        "members",
    )
    .await;
    let path = format!("/api/v1/documents/{large}");
    assert_eq!(
        call(app, "DELETE", host, &path, &json!({}), Some(&club.editor))
            .await
            .status,
        204
    );
    // One megabyte for this association; only an administrator sets it.
    let limit = json!({ "max_upload_mb": 1 });
    let editor_sets = call(
        app,
        "PATCH",
        host,
        "/api/v1/documents/settings",
        &limit,
        Some(&club.editor),
    )
    .await;
    assert_eq!(editor_sets.status, 403);
    let set = call(
        app,
        "PATCH",
        host,
        "/api/v1/documents/settings",
        &limit,
        Some(&club.admin),
    )
    .await;
    assert_eq!(set.status, 200, "{set:?}");
    assert_eq!(set.json["max_upload_bytes"], 1024 * 1024);
    let above = json!({ "max_upload_mb": 51 });
    let refused = call(
        app,
        "PATCH",
        host,
        "/api/v1/documents/settings",
        &above,
        Some(&club.admin),
    )
    .await;
    assert_refused(&refused, 422, "invalid-input");

    let mut big = pdf("big");
    big.resize(1024 * 1024 + 1, b' ');
    let jpeg = tiny_jpeg();
    let cases: Vec<(Vec<Part<'_>>, u16, &str)> = vec![
        (
            vec![file("big.pdf", "application/pdf", &big)],
            413,
            "payload-too-large",
        ),
        (
            vec![file("scan.png", "image/png", &pdf("a PDF"))],
            415,
            "content-type-mismatch",
        ),
        (
            vec![file("photo.pdf", "application/pdf", &jpeg)],
            415,
            "content-type-mismatch",
        ),
        (
            vec![file("notes.txt", "image/jpeg", b"plain words\n")],
            415,
            "content-type-mismatch",
        ),
        (
            vec![file(
                "page.html",
                "text/html",
                b"<!DOCTYPE html><script>alert(1)</script>",
            )],
            415,
            "unsupported-media-type",
        ),
        (
            vec![file(
                "page.txt",
                "text/plain",
                b"<!DOCTYPE html><script>alert(1)</script>",
            )],
            415,
            "unsupported-media-type",
        ),
        (
            vec![file(
                "tool.exe",
                "application/octet-stream",
                b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff",
            )],
            415,
            "unsupported-media-type",
        ),
        (
            vec![file(
                "logo.svg",
                "image/svg+xml",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>",
            )],
            415,
            "unsupported-media-type",
        ),
        (
            vec![file("empty.pdf", "application/pdf", b"")],
            422,
            "invalid-input",
        ),
        (vec![field("visibility", "members")], 422, "invalid-input"),
        (
            vec![
                field("visibility", "everyone"),
                file("a.pdf", "application/pdf", &pdf("a")),
            ],
            422,
            "invalid-input",
        ),
    ];
    for (parts, status, code) in &cases {
        let reply = upload_api(app, host, &club.editor, parts).await;
        assert_refused(&reply, *status, code);
    }
    let not_multipart = call(
        app,
        "POST",
        host,
        "/api/v1/documents",
        &json!({}),
        Some(&club.editor),
    )
    .await;
    assert_refused(&not_multipart, 400, "bad-request");

    // The page says it next to the file input, with the same status.
    let mut editor = club.browser(app, Role::Editor).await;
    let page = upload_page(
        &mut editor,
        vec![
            field("visibility", "members"),
            file("big.pdf", "application/pdf", &big),
        ],
    )
    .await;
    assert_eq!(page.status, 413);
    assert!(page.body.contains("field__error"), "{}", page.body);
    assert!(
        !page.body.contains("documents-error-"),
        "an untranslated message"
    );
    let page = upload_page(
        &mut editor,
        vec![
            field("visibility", "members"),
            file("scan.png", "image/png", &pdf("x")),
        ],
    )
    .await;
    assert_eq!(page.status, 415);
    assert!(page.body.contains("field__error"), "{}", page.body);
    // A form without its token, or with another's, is refused before its
    // file is read (the check reads only up to the token).
    for token in ["", "forged-token-of-somebody-else"] {
        let parts = [
            field("csrf_token", token),
            file("a.pdf", "application/pdf", &pdf("a")),
        ];
        let (content_type, body) = multipart(&parts);
        let url = editor.url("/documents/new");
        let request = app
            .http
            .post(url)
            .header("content-type", content_type)
            .body(body);
        assert_eq!(editor.send(request).await.status, 403, "token {token:?}");
    }

    assert_eq!(rows(app, &club.tenant).await, 0);
    assert!(
        stored(app, &club.tenant).await.is_empty(),
        "a refused upload left a file"
    );
    if let Some(s3) = &doc.s3 {
        assert!(
            s3.objects().await.is_empty(),
            "a refused upload left an object"
        );
    }
    // Within the limit, the same association's upload goes through.
    add(
        app,
        &club,
        "small.pdf",
        "application/pdf",
        &pdf("small"),
        "members",
    )
    .await;
    assert_eq!(stored(app, &club.tenant).await.len(), 1);
}

async fn a_row_refused_after_its_file_was_stored_leaves_no_file(store: Store) {
    let doc = doc_app(store).await;
    let app = &doc.app;
    let club = club(app, "orphan").await;
    // The folder is checked in the row's transaction, after the file went
    // to storage: the file must be deleted again.
    let parts = [
        field("folder_id", "999999"),
        file("a.pdf", "application/pdf", &pdf("a")),
    ];
    let reply = upload_api(app, &club.host, &club.editor, &parts).await;
    assert_eq!(reply.status, 422, "{reply:?}");
    assert_eq!(rows(app, &club.tenant).await, 0);
    assert!(
        stored(app, &club.tenant).await.is_empty(),
        "the stored file was left behind"
    );
    let listed = get(app, &club.host, "/api/v1/documents", Some(&club.editor)).await;
    assert!(json_ids(&listed).is_empty());
}

fn tiny_jpeg() -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::DynamicImage::new_rgb8(4, 4)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut jpeg))
        .expect("jpeg");
    jpeg
}

#[tokio::test]
async fn a_slow_upload_outlasts_the_request_timeout_of_other_requests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let doc = doc_app_with(Store::Local, |config| config.http.request_timeout_secs = 1).await;
    let app = &doc.app;
    let club = club(app, "slow").await;
    let (content_type, body) = multipart(&[file("slow.pdf", "application/pdf", &pdf("slow"))]);
    let head = format!(
        "POST /api/v1/documents HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        club.host,
        club.editor,
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    stream.write_all(head.as_bytes()).await.expect("head");
    // Half the body, a pause longer than the request timeout, the rest: a
    // phone on a slow network.
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first).await.expect("first half");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    stream.write_all(rest).await.expect("second half");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response");
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert_eq!(rows(app, &club.tenant).await, 1);
}
