//! HTTP caching of portal pages: compressed bodies (kept compressed in the
//! page cache), strong ETags answered with 304, and Cache-Control by kind of
//! page.

use std::io::Read;

use crate::helpers::{TestApp, spawn_app};

fn header(response: &reqwest::Response, name: &str) -> String {
    let values = response.headers().get_all(name).iter();
    let values: Vec<_> = values.filter_map(|v| v.to_str().ok()).collect();
    values.join(", ")
}

async fn home(app: &TestApp, host: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    app.get_with(host, "/", headers).await
}

fn gunzip(bytes: &[u8]) -> String {
    let mut html = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut html)
        .expect("gzip body");
    html
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut html = String::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_string(&mut html)
        .expect("brotli body");
    html
}

#[tokio::test]
async fn pages_are_served_compressed_and_decode_to_the_same_html() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("hc-enc", "Compressed Club").await;
    let host = tenant.default_host.as_str();
    let plain = home(&app, host, &[]).await;
    assert_eq!(header(&plain, "content-encoding"), "");
    let html = plain.text().await.unwrap();
    assert!(html.contains("Compressed Club"));

    let hits = app.state.pages.stats().hits;
    let br = home(&app, host, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!(header(&br, "content-encoding"), "br");
    assert_eq!(header(&br, "vary"), "accept-encoding, cookie");
    // Stored compressed: its length is known up front, which compression
    // on the fly (a streamed body) cannot say.
    let length = header(&br, "content-length");
    let body = br.bytes().await.unwrap();
    assert_eq!(length, body.len().to_string());
    assert_eq!(unbrotli(&body), html);
    let gzip = home(&app, host, &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&gzip, "content-encoding"), "gzip");
    assert_eq!(gunzip(&gzip.bytes().await.unwrap()), html);
    // Both compressed answers were cache hits: compressed when stored.
    assert_eq!(app.state.pages.stats().hits, hits + 2);
}

#[tokio::test]
async fn a_matching_if_none_match_is_answered_304() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("hc-etag", "Tagged Club").await;
    let host = tenant.default_host.as_str();
    let first = home(&app, host, &[("accept-encoding", "br")]).await;
    let etag = header(&first, "etag");
    assert!(
        etag.starts_with('"') && etag.len() > 20,
        "strong ETag: {etag}"
    );
    let again = home(
        &app,
        host,
        &[("accept-encoding", "br"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status(), 304);
    assert_eq!(header(&again, "etag"), etag);
    assert!(again.bytes().await.unwrap().is_empty());
    // A new announcement changes the page, hence its tag.
    crate::helpers::publish(&app, &tenant, "tag changer").await;
    let changed = app
        .wait_for_home(host, std::time::Duration::from_secs(1), |_, page| {
            page.contains("tag changer")
        })
        .await;
    assert!(changed);
    let stale = home(&app, host, &[("if-none-match", &etag)]).await;
    assert_eq!(stale.status(), 200);
    assert_ne!(header(&stale, "etag"), etag);
}

#[tokio::test]
async fn cache_control_depends_on_the_cookies_that_change_the_page() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("hc-cc", "Headers Club").await;
    let host = tenant.default_host.as_str();
    let anonymous = home(&app, host, &[]).await;
    assert_eq!(
        header(&anonymous, "cache-control"),
        "public, max-age=0, s-maxage=60, stale-while-revalidate=300"
    );
    assert!(header(&anonymous, "vary").contains("cookie"));
    let chosen_language = home(&app, host, &[("cookie", "lang=en")]).await;
    assert_eq!(
        header(&chosen_language, "cache-control"),
        "private, no-cache"
    );
    assert!(header(&chosen_language, "vary").contains("cookie"));
    let with_flash = home(&app, host, &[("cookie", "flash=info:x")]).await;
    assert_eq!(header(&with_flash, "cache-control"), "no-store");
    assert_eq!(header(&with_flash, "etag"), "");
}

#[tokio::test]
async fn pages_outside_the_page_cache_are_compressed_too() {
    let app = spawn_app().await;
    let (tenant, _) = app.create_tenant("hc-404", "Missing Club").await;
    let missing = app
        .get_with(
            tenant.default_host.as_str(),
            "/no-such-page",
            &[("accept-encoding", "gzip")],
        )
        .await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "content-encoding"), "gzip");
    assert!(gunzip(&missing.bytes().await.unwrap()).contains("Missing Club"));
}
