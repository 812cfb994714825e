//! The S3 backend against s3s-fs, as the local folder's unit tests hold
//! it: write-once (the same bytes again are fine, other bytes refused),
//! a file put once, read whole or streamed, listed per tenant with sizes,
//! deleted, and a tenant's purge leaving the others' files; and a tenant
//! with documents exported from a bucket and imported onto a local folder.

use futures::TryStreamExt;
use tessera::model::TenantId;
use tessera::storage::{Storage, StorageError};

use crate::documents_fixture::*;
use crate::helpers::s3::S3Server;
use crate::helpers::{migrated_database, spawn_app_with};
use crate::portability_fixture::{config_with_own_storage, export, import};

#[tokio::test]
async fn the_s3_backend_keeps_write_once_files_per_tenant() {
    let s3 = S3Server::start().await;
    let config = tessera::config::StorageConfig {
        backend: tessera::config::StorageBackend::S3,
        dir: None,
        s3: Some(s3.config()),
    };
    let storage = Storage::from_config(&config, std::path::Path::new("/nonexistent")).expect("s3");
    let (a, b) = (TenantId::new(41), TenantId::new(42));
    let key = "receipts/2026/000001-abc.pdf";
    storage.put(a, key, b"one").await.expect("put");
    storage
        .put(a, key, b"one")
        .await
        .expect("the same bytes again");
    let refused = storage.put(a, key, b"two").await;
    assert!(
        matches!(refused, Err(StorageError::Exists(_))),
        "{refused:?}"
    );
    assert_eq!(
        storage.get(a, key).await.expect("get").as_deref(),
        Some(&b"one"[..])
    );
    assert_eq!(storage.get(b, key).await.expect("get"), None);

    let source = tempfile::NamedTempFile::new().expect("temp");
    let big: Vec<u8> = (0..300_000u32).map(|n| (n % 253) as u8).collect();
    std::fs::write(source.path(), &big).expect("write");
    storage
        .put_file(a, "documents/big", source.path())
        .await
        .expect("put_file");
    let again = storage.put_file(a, "documents/big", source.path()).await;
    assert!(matches!(again, Err(StorageError::Exists(_))));
    let download = storage
        .open(a, "documents/big")
        .await
        .expect("open")
        .expect("there");
    assert_eq!(download.size, Some(300_000));
    let chunks: Vec<bytes::Bytes> = download.body.try_collect().await.expect("read");
    assert_eq!(chunks.concat(), big);
    assert!(
        storage
            .open(b, "documents/big")
            .await
            .expect("open")
            .is_none()
    );

    storage.put(b, "documents/theirs", b"b").await.expect("put");
    let listed: Vec<(String, u64)> = storage
        .list(a)
        .await
        .expect("list")
        .into_iter()
        .map(|(key, size)| (key.to_string(), size))
        .collect();
    assert_eq!(
        listed,
        [("documents/big".to_owned(), 300_000), (key.to_owned(), 3)]
    );
    storage.delete(a, "documents/big").await.expect("delete");
    storage
        .delete(a, "documents/big")
        .await
        .expect("deleting nothing is fine");
    storage.remove_tenant(a).await.expect("purge");
    assert!(storage.list(a).await.expect("list").is_empty());
    assert_eq!(s3.objects().await, ["42/documents/theirs"]);
}

#[tokio::test]
async fn a_tenant_with_documents_moves_from_a_bucket_to_a_local_folder() {
    let source = doc_app(Store::S3).await;
    let club = club(&source.app, "moving").await;
    let bytes = pdf("Statuts");
    let id = add(
        &source.app,
        &club,
        "Statuts.pdf",
        "application/pdf",
        &bytes,
        "public",
    )
    .await;
    let archive = export(&source.app, &club.tenant.slug).await;

    // Another database, files in a folder of its own.
    let (config, _files) = config_with_own_storage();
    let target = spawn_app_with(migrated_database().await, config).await;
    let imported = import(&target, &archive, None).await;
    assert_eq!(imported.slug, club.tenant.slug.as_str());
    let (status, served) = content(&target, &club.host, id, None).await;
    assert_eq!((status, served), (200, bytes));
}
