//! One association's documents are unreachable from another's: by id on
//! the other host (pages, files, API), with the other's cookie or token,
//! by storage key (every key lives under its tenant's id), and by
//! presigned URL (the signature covers the tenant's id in the object's
//! name, so a URL cannot be edited into another file's, nor outlive its
//! expiry). On a local folder and on s3s-fs alike, the presigned part on
//! s3s-fs only.

use std::time::Duration;

use reqwest::header::LOCATION;
use tessera::auth::Role;

use crate::documents_fixture::*;
use crate::helpers::api_client::get;
use crate::on_both_stores;

on_both_stores!(another_tenants_documents_are_unreachable_by_id_key_host_cookie_and_token);

async fn another_tenants_documents_are_unreachable_by_id_key_host_cookie_and_token(store: Store) {
    let doc = doc_app(store).await;
    let app = &doc.app;
    let a = club(app, "iso-a").await;
    let b = club(app, "iso-b").await;
    let public = add(
        app,
        &a,
        "A public.pdf",
        "application/pdf",
        &pdf("A"),
        "public",
    )
    .await;
    let members = add(
        app,
        &a,
        "A members.txt",
        "text/plain",
        b"for A\n",
        "members",
    )
    .await;

    // Ids are per association: while B has none, A's ids name nothing there.
    for id in [public, members] {
        // By id on B's host: pages, file and API, anonymous or B's staff.
        for path in [format!("/documents/{id}"), format!("/documents/{id}/file")] {
            assert_eq!(fetch(app, &b.host, &path, None).await.0, 404, "{path}");
            let mut b_editor = b.browser(app, Role::Editor).await;
            assert_eq!(b_editor.get(&path).await.status, 404, "{path}");
        }
        let api = format!("/api/v1/documents/{id}");
        assert_eq!(get(app, &b.host, &api, Some(&b.admin)).await.status, 404);
        assert_eq!(content(app, &b.host, id, Some(&b.admin)).await.0, 404);
        // A's credentials on B's host: the token is refused, the cookie
        // means nothing there.
        assert_eq!(get(app, &b.host, &api, Some(&a.admin)).await.status, 401);
        let a_editor = a.browser(app, Role::Editor).await;
        let cookie = a_editor
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let (status, _, _) = fetch(app, &b.host, &format!("/documents/{id}"), Some(&cookie)).await;
        assert_eq!(status, 404);
        let (status, location, _) = fetch(app, &b.host, "/documents/new", Some(&cookie)).await;
        assert_eq!(
            (
                status,
                location
                    .as_deref()
                    .map(|l| l.starts_with("/accounts/login/"))
            ),
            (303, Some(true))
        );
    }
    // B's first document takes id 1 in B's schema: the same number as A's
    // first, and only ever B's file.
    let theirs = add(app, &b, "B.txt", "text/plain", b"for B\n", "public").await;
    assert_eq!(theirs, public);
    let listed = get(app, &b.host, "/api/v1/documents", Some(&b.admin)).await;
    assert_eq!(json_ids(&listed), [theirs]);
    assert_eq!(
        content(app, &b.host, theirs, None).await,
        (200, b"for B\n".to_vec())
    );
    assert_eq!(content(app, &a.host, public, None).await, (200, pdf("A")));

    // By key: A's keys are under A's id; through B's space they are nothing,
    // and no key can climb out of B's space.
    let a_keys = stored(app, &a.tenant).await;
    assert_eq!(a_keys.len(), 2);
    for key in &a_keys {
        assert!(key.starts_with("documents/"), "{key}");
        assert_eq!(
            app.state.storage.get(b.tenant.id, key).await.expect("get"),
            None
        );
        let climbing = format!("../{}/{key}", a.tenant.id);
        assert!(app.state.storage.get(b.tenant.id, &climbing).await.is_err());
    }
    assert_eq!(stored(app, &b.tenant).await.len(), 1);
    if let Some(s3) = &doc.s3 {
        let objects = s3.objects().await;
        let prefix = format!("{}/", a.tenant.id);
        assert_eq!(
            objects.iter().filter(|o| o.starts_with(&prefix)).count(),
            2,
            "{objects:?}"
        );
    }
}

#[tokio::test]
async fn a_presigned_url_cannot_be_turned_into_another_tenants_file() {
    let doc = doc_app_with(Store::S3, |config| config.documents.url_expiry_secs = 2).await;
    let app = &doc.app;
    let a = club(app, "sign-a").await;
    let b = club(app, "sign-b").await;
    add(
        app,
        &a,
        "first.txt",
        "text/plain",
        b"first of A\n",
        "members",
    )
    .await;
    let a_doc = add(app, &a, "a.txt", "text/plain", b"secret of A\n", "members").await;
    let b_doc = add(app, &b, "b.txt", "text/plain", b"secret of B\n", "members").await;
    assert_ne!(a_doc, b_doc, "B has no document of A's id");
    let url_of = |host: String, id: i64, token: String| async move {
        let response = app
            .http
            .get(format!("http://{}/api/v1/documents/{id}/content", app.addr))
            .header("host", host)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(response.headers()["cache-control"], "no-store");
        response.headers()[LOCATION]
            .to_str()
            .expect("location")
            .to_owned()
    };
    let a_url = url_of(a.host.clone(), a_doc, a.member.clone()).await;
    let b_url = url_of(b.host.clone(), b_doc, b.member.clone()).await;
    let fetch_url = |url: String| async move {
        let response = app.http.get(url).send().await.expect("presigned get");
        (
            response.status().as_u16(),
            response.bytes().await.expect("body").to_vec(),
        )
    };
    assert_eq!(
        fetch_url(a_url.clone()).await,
        (200, b"secret of A\n".to_vec())
    );

    // A's signature with B's object name, or with B's tenant id: refused.
    let a_object = object_path(&a_url);
    let b_object = object_path(&b_url);
    assert!(
        a_object.contains(&format!("/{}/documents/", a.tenant.id)),
        "{a_object}"
    );
    let swapped = a_url.replacen(&a_object, &b_object, 1);
    assert_eq!(fetch_url(swapped).await.0, 403);
    let other_tenant = a_url.replacen(
        &format!("/{}/documents/", a.tenant.id),
        &format!("/{}/documents/", b.tenant.id),
        1,
    );
    assert_eq!(fetch_url(other_tenant).await.0, 403);
    // No URL at all for whoever may not read the document.
    let (status, _) = content(app, &b.host, a_doc, Some(&b.admin)).await;
    assert_eq!(status, 404);
    let anonymous = fetch(app, &a.host, &format!("/documents/{a_doc}/file"), None).await;
    assert_eq!((anonymous.0, anonymous.1), (404, None));

    // And the URL dies young.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(fetch_url(a_url).await.0, 403);
}

/// `/<bucket>/<tenant id>/documents/<key>` of a presigned URL.
fn object_path(url: &str) -> String {
    let path = url.split('?').next().unwrap_or_default();
    let start = path.find("://").map(|at| at + 3).unwrap_or(0);
    let slash = path[start..]
        .find('/')
        .map(|at| start + at)
        .unwrap_or(path.len());
    path[slash..].to_owned()
}
