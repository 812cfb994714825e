//! Documents through the pages, on a local folder and on s3s-fs alike:
//! each reader sees what their role allows and a document they may not
//! read is a 404 (page, file, API); staff manage folders and documents
//! with forms alone (upload, rename, move, visibility, deletion confirmed
//! on its own page), and a refused form changes nothing; photos come out
//! upright, scaled down and without their metadata, PDFs byte for byte.

use image::GenericImageView;
use tessera::auth::Role;

use crate::documents_fixture::*;
use crate::helpers::api_client::get;
use crate::on_both_stores;

on_both_stores!(
    a_member_only_document_is_404_for_anonymous_visitors,
    staff_manage_folders_and_documents_with_forms_alone,
    photos_are_upright_scaled_and_stripped_and_pdfs_kept_byte_for_byte,
);

async fn a_member_only_document_is_404_for_anonymous_visitors(store: Store) {
    let doc = doc_app(store).await;
    let app = &doc.app;
    let club = club(app, "seen").await;
    let host = club.host.as_str();
    let public = add(
        app,
        &club,
        "Statuts.pdf",
        "application/pdf",
        &pdf("Statuts"),
        "public",
    )
    .await;
    let members = add(
        app,
        &club,
        "AG.txt",
        "text/plain",
        b"Compte rendu\n",
        "members",
    )
    .await;
    let staff = add(app, &club, "Budget.csv", "text/csv", b"a;b\n1;2\n", "staff").await;

    // Anonymous: the public document only, everywhere.
    for path in [
        format!("/documents/{public}"),
        format!("/documents/{public}/file"),
    ] {
        let (status, _, _) = fetch(app, host, &path, None).await;
        assert!(status == 200 || status == 303, "{path}: {status}");
    }
    for id in [members, staff] {
        for path in [format!("/documents/{id}"), format!("/documents/{id}/file")] {
            let (status, location, _) = fetch(app, host, &path, None).await;
            assert_eq!((status, location), (404, None), "{path}");
        }
        assert_eq!(
            get(app, host, &format!("/api/v1/documents/{id}"), None)
                .await
                .status,
            404
        );
        assert_eq!(content(app, host, id, None).await.0, 404);
    }
    let listed = get(app, host, "/api/v1/documents", None).await;
    assert_eq!(json_ids(&listed), [public]);
    let (_, _, page) = fetch(app, host, "/documents/", None).await;
    let page = String::from_utf8_lossy(&page);
    assert!(
        page.contains("Statuts.pdf") && !page.contains("AG.txt"),
        "{page}"
    );
    assert_eq!(
        content(app, host, public, None).await,
        (200, pdf("Statuts"))
    );

    // A member: also the members' one, never staff's.
    let mut member = club.browser(app, Role::Member).await;
    assert_eq!(
        member.get(&format!("/documents/{members}")).await.status,
        200
    );
    assert_eq!(member.get(&format!("/documents/{staff}")).await.status, 404);
    assert_eq!(
        member.get(&format!("/documents/{staff}/file")).await.status,
        404
    );
    let mine = get(app, host, "/api/v1/documents", Some(&club.member)).await;
    assert_eq!(json_ids(&mine), [public, members]);
    assert_eq!(
        content(app, host, members, Some(&club.member)).await,
        (200, b"Compte rendu\n".to_vec())
    );

    // Staff: everything.
    let all = get(app, host, "/api/v1/documents", Some(&club.editor)).await;
    assert_eq!(json_ids(&all), [public, members, staff]);
    assert_eq!(
        content(app, host, staff, Some(&club.admin)).await,
        (200, b"a;b\n1;2\n".to_vec())
    );
}

async fn staff_manage_folders_and_documents_with_forms_alone(store: Store) {
    let doc = doc_app(store).await;
    let app = &doc.app;
    let club = club(app, "forms").await;
    let mut editor = club.browser(app, Role::Editor).await;

    // A folder, then a refused one (same name, any case): nothing added.
    let made = editor
        .post(
            "/documents/folders/",
            &[("name", "Assemblées"), ("parent", "")],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let folder_path = made.location.clone().expect("location");
    let folder: i64 = folder_path
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("id");
    let taken = editor
        .post(
            "/documents/folders/",
            &[("name", "assemblées"), ("parent", "")],
        )
        .await;
    assert_eq!(taken.status, 409);
    assert!(taken.body.contains("field__error"), "{}", taken.body);
    let folders = get(
        app,
        &club.host,
        "/api/v1/documents/folders",
        Some(&club.editor),
    )
    .await;
    assert_eq!(folders.json.as_array().map(Vec::len), Some(1));

    // Upload into it from the page (the file input and an empty camera input).
    let upload = editor.get(&format!("/documents/new?folder={folder}")).await;
    assert_eq!(upload.status, 200);
    assert!(
        upload.body.contains("capture=\"environment\"")
            && upload.body.contains("enctype=\"multipart/form-data\"")
    );
    let bytes = pdf("Procès-verbal");
    let sent = upload_page(
        &mut editor,
        vec![
            field("folder", &folder.to_string()),
            field("name", ""),
            field("visibility", "members"),
            file("pv-2026.pdf", "application/pdf", &bytes),
            Part {
                name: "file",
                file_name: Some(""),
                content_type: Some("application/octet-stream"),
                bytes: Vec::new(),
            },
        ],
    )
    .await;
    assert_eq!(
        (sent.status, sent.location.as_deref()),
        (303, Some(folder_path.as_str())),
        "{}",
        sent.body
    );
    let listing = editor.get(&folder_path).await;
    assert!(listing.body.contains("pv-2026.pdf"), "{}", listing.body);
    let listed = get(app, &club.host, "/api/v1/documents", Some(&club.editor)).await;
    let id = json_ids(&listed)[0];

    // Rename, move to the top, make public.
    let bad = editor
        .post(
            &format!("/documents/{id}"),
            &[("name", "  "), ("folder", ""), ("visibility", "public")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let unchanged = get(
        app,
        &club.host,
        &format!("/api/v1/documents/{id}"),
        Some(&club.editor),
    )
    .await;
    assert_eq!(
        (
            unchanged.json["name"].as_str(),
            unchanged.json["visibility"].as_str()
        ),
        (Some("pv-2026.pdf"), Some("members"))
    );
    let saved = editor
        .post(
            &format!("/documents/{id}"),
            &[
                ("name", "PV 2026.pdf"),
                ("folder", ""),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    let after = get(app, &club.host, &format!("/api/v1/documents/{id}"), None).await;
    assert_eq!(after.json["name"], "PV 2026.pdf");
    assert!(after.json["folder_id"].is_null());

    // A member may read but not change anything.
    let mut member = club.browser(app, Role::Member).await;
    assert_eq!(member.get(&format!("/documents/{id}")).await.status, 200);
    assert_eq!(
        member
            .post(&format!("/documents/{id}/delete"), &[])
            .await
            .status,
        403
    );
    assert_eq!(member.get("/documents/new").await.status, 403);

    // The folder is empty now: it goes after its confirmation page. The
    // document too, and its file with it.
    let confirm = editor.get(&format!("/documents/{id}/delete")).await;
    assert!(confirm.status == 200 && confirm.body.contains("PV 2026.pdf"));
    assert_eq!(stored(app, &club.tenant).await.len(), 1);
    let gone = editor.post(&format!("/documents/{id}/delete"), &[]).await;
    assert_eq!(
        (gone.status, gone.location.as_deref()),
        (303, Some("/documents/"))
    );
    assert_eq!(
        get(
            app,
            &club.host,
            &format!("/api/v1/documents/{id}"),
            Some(&club.editor)
        )
        .await
        .status,
        404
    );
    assert!(
        stored(app, &club.tenant).await.is_empty(),
        "the file went with its row"
    );
    assert_eq!(
        editor.get(&format!("{folder_path}/delete")).await.status,
        200
    );
    let removed = editor.post(&format!("{folder_path}/delete"), &[]).await;
    assert_eq!(removed.status, 303);
    assert_eq!(editor.get(&folder_path).await.status, 404);
}

async fn photos_are_upright_scaled_and_stripped_and_pdfs_kept_byte_for_byte(store: Store) {
    let doc = doc_app_with(store, |config| config.documents.image_max_side = 200).await;
    let app = &doc.app;
    let club = club(app, "photo").await;
    // 300×100, red then blue, that the phone says to turn a quarter right.
    let photo = jpeg_with_exif(300, 100, 6);
    let id = add(app, &club, "IMG_0042.JPG", "image/jpeg", &photo, "members").await;
    let (status, stored_photo) = content(app, &club.host, id, Some(&club.member)).await;
    assert_eq!(status, 200);
    let image = image::load_from_memory(&stored_photo).expect("a readable image");
    assert_eq!(
        image.dimensions(),
        (67, 200),
        "turned upright, then scaled to 200 px"
    );
    let red_top = image.get_pixel(33, 20);
    let blue_bottom = image.get_pixel(33, 180);
    assert!(red_top[0] > 200 && red_top[2] < 60, "{red_top:?}");
    assert!(
        blue_bottom[2] > 200 && blue_bottom[0] < 60,
        "{blue_bottom:?}"
    );
    for secret in [&b"Exif"[..], b"GPS-SECRET", b"PhoneCo"] {
        assert!(
            !contains(&stored_photo, secret),
            "{:?} survived",
            String::from_utf8_lossy(secret)
        );
    }
    let view = get(
        app,
        &club.host,
        &format!("/api/v1/documents/{id}"),
        Some(&club.member),
    )
    .await;
    assert_eq!(
        (
            view.json["content_type"].as_str(),
            view.json["name"].as_str()
        ),
        (Some("image/jpeg"), Some("IMG_0042.jpg"))
    );

    let original = pdf("Rapport financier");
    let id = add(
        app,
        &club,
        "rapport.pdf",
        "application/pdf",
        &original,
        "members",
    )
    .await;
    assert_eq!(
        content(app, &club.host, id, Some(&club.member)).await,
        (200, original)
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A JPEG of `width`×`height` (left half red, right half blue) carrying an
/// EXIF block: `orientation`, a description, a camera make and a GPS
/// entry, as phones write them.
fn jpeg_with_exif(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(width, height, |x, _| match x < width / 2 {
        true => image::Rgb([255, 0, 0]),
        false => image::Rgb([0, 0, 255]),
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(pixels)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 95,
        ))
        .expect("jpeg");
    let exif = exif_block(orientation);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    segment.extend_from_slice(&exif);
    // Right after the start-of-image marker.
    [&jpeg[..2], &segment, &jpeg[2..]].concat()
}

/// `Exif\0\0` and a big-endian TIFF: IFD0 (description, make,
/// orientation, GPS pointer), then the GPS IFD (latitude reference).
fn exif_block(orientation: u16) -> Vec<u8> {
    let description = b"GPS-SECRET-48.8566N\0";
    let make = b"PhoneCo\0";
    let ifd0_len = 2 + 4 * 12 + 4;
    let description_at = 8 + ifd0_len;
    let make_at = description_at + description.len();
    let gps_at = make_at + make.len();
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&4u16.to_be_bytes());
    let mut entry = |tag: u16, kind: u16, count: u32, value: u32| {
        tiff.extend_from_slice(&tag.to_be_bytes());
        tiff.extend_from_slice(&kind.to_be_bytes());
        tiff.extend_from_slice(&count.to_be_bytes());
        tiff.extend_from_slice(&value.to_be_bytes());
    };
    entry(0x010E, 2, description.len() as u32, description_at as u32);
    entry(0x010F, 2, make.len() as u32, make_at as u32);
    entry(0x0112, 3, 1, u32::from(orientation) << 16);
    entry(0x8825, 4, 1, gps_at as u32);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(description);
    tiff.extend_from_slice(make);
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&[0x00, 0x01, 0x00, 0x02, 0, 0, 0, 2, b'N', 0, 0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes());
    [&b"Exif\0\0"[..], &tiff].concat()
}
