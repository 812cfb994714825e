//! `/api/v1/documents` with the pages' rules: paged lists, changes that
//! name only what they change, folders (a taken name is 409, a folder
//! moved into itself 422, a non-empty one cannot go), API keys limited to
//! their `documents:` scope, settings for administrators only, and every
//! route in the OpenAPI document. On both stores.

use serde_json::json;

use crate::documents_fixture::*;
use crate::helpers::api_client::{call, get, post};
use crate::on_both_stores;

on_both_stores!(the_api_manages_documents_and_folders_with_the_pages_rules);

async fn the_api_manages_documents_and_folders_with_the_pages_rules(store: Store) {
    let doc = doc_app(store).await;
    let app = &doc.app;
    let club = club(app, "api").await;
    let host = club.host.as_str();
    let editor = Some(club.editor.as_str());

    // Folders: one inside another; a second of the same name is refused.
    let top = post(
        app,
        host,
        "/api/v1/documents/folders",
        &json!({ "name": "Bureau" }),
        editor,
    )
    .await;
    assert_eq!(top.status, 201, "{top:?}");
    let top = id_of(&top.json);
    let inner = post(
        app,
        host,
        "/api/v1/documents/folders",
        &json!({ "name": "2026", "parent_id": top }),
        editor,
    )
    .await;
    let inner = id_of(&inner.json);
    let again = post(
        app,
        host,
        "/api/v1/documents/folders",
        &json!({ "name": "BUREAU" }),
        editor,
    )
    .await;
    assert_eq!((again.status, again.code()), (409, "conflict"));
    let into_itself = json!({ "parent_id": inner });
    let cycle = call(
        app,
        "PATCH",
        host,
        &format!("/api/v1/documents/folders/{top}"),
        &into_itself,
        editor,
    )
    .await;
    assert_eq!(cycle.status, 422, "{cycle:?}");
    let member_makes = post(
        app,
        host,
        "/api/v1/documents/folders",
        &json!({ "name": "x" }),
        Some(&club.member),
    )
    .await;
    assert_eq!(member_makes.status, 403);

    // Three documents, listed a page of two at a time.
    let parts = [
        field("folder_id", &inner.to_string()),
        field("visibility", "staff"),
        field("name", "Budget"),
        file("b.csv", "text/csv", b"a;b\n"),
    ];
    let reply = upload_api(app, host, &club.editor, &parts).await;
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(
        (
            reply.json["name"].as_str(),
            reply.json["content_type"].as_str()
        ),
        (Some("Budget.csv"), Some("text/csv"))
    );
    assert_eq!(reply.json["folder_id"].as_i64(), Some(inner));
    let budget = id_of(&reply.json);
    let second = add(app, &club, "b.pdf", "application/pdf", &pdf("b"), "members").await;
    let third = add(app, &club, "c.pdf", "application/pdf", &pdf("c"), "public").await;
    let first_page = get(app, host, "/api/v1/documents?limit=2", editor).await;
    assert_eq!(json_ids(&first_page), [budget, second]);
    let after = first_page.json["next_after"].as_i64().expect("a next page");
    let last_page = get(
        app,
        host,
        &format!("/api/v1/documents?limit=2&after={after}"),
        editor,
    )
    .await;
    assert_eq!(json_ids(&last_page), [third]);
    assert!(last_page.json["next_after"].is_null());
    let in_folder = get(
        app,
        host,
        &format!("/api/v1/documents?folder_id={inner}"),
        editor,
    )
    .await;
    assert_eq!(json_ids(&in_folder), [budget]);
    assert_eq!(
        get(app, host, "/api/v1/documents?limit=0", editor)
            .await
            .status,
        400
    );
    assert_eq!(
        get(app, host, "/api/v1/documents?sort=name", editor)
            .await
            .status,
        400
    );
    // A member sees neither the staff document nor the folders holding only it.
    let member_folders = get(app, host, "/api/v1/documents/folders", Some(&club.member)).await;
    assert_eq!(member_folders.json.as_array().map(Vec::len), Some(0));

    // Changes name only what changes; `folder_id: null` is the top.
    let path = format!("/api/v1/documents/{budget}");
    let renamed = call(
        app,
        "PATCH",
        host,
        &path,
        &json!({ "name": "Budget 2026.csv" }),
        editor,
    )
    .await;
    assert_eq!(
        (
            renamed.json["name"].as_str(),
            renamed.json["folder_id"].as_i64()
        ),
        (Some("Budget 2026.csv"), Some(inner))
    );
    let moved = call(
        app,
        "PATCH",
        host,
        &path,
        &json!({ "folder_id": null, "visibility": "members" }),
        editor,
    )
    .await;
    assert_eq!(
        (
            moved.json["folder_id"].is_null(),
            moved.json["visibility"].as_str()
        ),
        (true, Some("members"))
    );
    assert_eq!(moved.json["name"], "Budget 2026.csv");
    let unknown = call(
        app,
        "PATCH",
        host,
        &path,
        &json!({ "colour": "red" }),
        editor,
    )
    .await;
    assert_eq!(unknown.status, 422);
    let member_patch = call(
        app,
        "PATCH",
        host,
        &path,
        &json!({ "name": "x" }),
        Some(&club.member),
    )
    .await;
    assert_eq!(member_patch.status, 403);

    // A folder goes only once empty.
    let put_back = call(
        app,
        "PATCH",
        host,
        &path,
        &json!({ "folder_id": inner }),
        editor,
    )
    .await;
    assert_eq!(put_back.status, 200);
    let full = call(
        app,
        "DELETE",
        host,
        &format!("/api/v1/documents/folders/{inner}"),
        &json!({}),
        editor,
    )
    .await;
    assert_eq!(full.status, 409);
    let deleted = call(app, "DELETE", host, &path, &json!({}), editor).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(get(app, host, &path, editor).await.status, 404);
    let empty = call(
        app,
        "DELETE",
        host,
        &format!("/api/v1/documents/folders/{inner}"),
        &json!({}),
        editor,
    )
    .await;
    assert_eq!(empty.status, 204);
    assert_eq!(stored(app, &club.tenant).await.len(), 2);

    // Keys: their scope decides; settings are the administrators'.
    let key_with = |scopes: serde_json::Value| {
        let admin = club.admin.clone();
        async move {
            let made = post(
                app,
                host,
                "/api/v1/api-keys",
                &json!({ "name": "sync", "scopes": scopes }),
                Some(&admin),
            )
            .await;
            assert_eq!(made.status, 201, "{made:?}");
            made.json["key"].as_str().expect("key").to_owned()
        }
    };
    let reader_key = key_with(json!(["documents:read"])).await;
    let other_key = key_with(json!(["members:read"])).await;
    assert_eq!(
        json_ids(&get(app, host, "/api/v1/documents", Some(&reader_key)).await),
        [second, third]
    );
    assert_eq!(
        get(app, host, "/api/v1/documents", Some(&other_key))
            .await
            .status,
        403
    );
    let refused = upload_api(
        app,
        host,
        &reader_key,
        &[file("k.pdf", "application/pdf", &pdf("k"))],
    )
    .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        get(app, host, "/api/v1/documents/settings", editor)
            .await
            .status,
        403
    );
    let settings = get(app, host, "/api/v1/documents/settings", Some(&club.admin)).await;
    assert_eq!(settings.json["max_upload_bytes"], 10 * 1024 * 1024);
    assert!(settings.json["max_upload_mb"].is_null());

    let openapi = get(app, host, "/api/v1/openapi.json", None).await;
    for path in [
        "/api/v1/documents",
        "/api/v1/documents/{id}",
        "/api/v1/documents/{id}/content",
        "/api/v1/documents/folders",
        "/api/v1/documents/folders/{id}",
        "/api/v1/documents/settings",
    ] {
        assert!(openapi.json["paths"][path].is_object(), "{path} missing");
    }
    let upload_body = &openapi.json["paths"]["/api/v1/documents"]["post"]["requestBody"]["content"];
    assert!(
        upload_body["multipart/form-data"].is_object(),
        "{upload_body}"
    );
}
