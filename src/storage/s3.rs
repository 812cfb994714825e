//! The S3 backend: objects `<tenant id>/<key>` in one bucket of any
//! S3-compatible store (aws-sdk-s3 with explicit settings, no aws-config).
//!
//! Write-once as the folder is: a key is looked up before it is written,
//! and one that exists is compared (`put`) or refused (`put_file`). Two
//! writers racing on one key can both write; callers' keys make that
//! harmless (receipt keys carry their content's hash, uploads are random).
//! Errors keep the SDK's message, which never holds the secret key.

use std::path::Path;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use secrecy::ExposeSecret;

use super::{Download, Key, Presign, StorageError};
use crate::config::S3Config;
use crate::model::TenantId;

/// DeleteObjects takes at most this many keys.
const DELETE_BATCH: usize = 1000;

pub struct S3 {
    client: Client,
    bucket: String,
}

impl S3 {
    pub fn new(config: &S3Config) -> Result<Self, StorageError> {
        let credentials = Credentials::new(
            config.access_key_id.clone(),
            config.secret_access_key.expose_secret().to_owned(),
            None,
            None,
            "tessera-config",
        );
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .build();
        let mut builder = aws_sdk_s3::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .credentials_provider(credentials)
            .force_path_style(config.force_path_style)
            .timeout_config(timeouts);
        if let Some(endpoint) = &config.endpoint {
            url::Url::parse(endpoint)
                .map_err(|e| StorageError::Remote(format!("storage.s3.endpoint: {e}")))?;
            builder = builder.endpoint_url(endpoint);
        }
        Ok(Self {
            client: Client::from_conf(builder.build()),
            bucket: config.bucket.clone(),
        })
    }

    /// The object's name: the tenant's id, then the checked key.
    fn object(tenant: TenantId, key: &Key) -> String {
        format!("{}/{key}", tenant.get())
    }

    fn prefix(tenant: TenantId) -> String {
        format!("{}/", tenant.get())
    }

    pub async fn put(&self, tenant: TenantId, key: &Key, bytes: &[u8]) -> Result<(), StorageError> {
        if let Some(existing) = self.get(tenant, key).await? {
            return match existing == bytes {
                true => Ok(()),
                false => Err(StorageError::Exists(key.to_string())),
            };
        }
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(Self::object(tenant, key))
            .body(ByteStream::from(bytes.to_vec()))
            .send()
            .await
            .map_err(remote)?;
        Ok(())
    }

    pub async fn put_file(
        &self,
        tenant: TenantId,
        key: &Key,
        source: &Path,
    ) -> Result<(), StorageError> {
        if self.exists(tenant, key).await? {
            return Err(StorageError::Exists(key.to_string()));
        }
        let body = ByteStream::from_path(source)
            .await
            .map_err(|e| StorageError::Io(std::io::Error::other(e)))?;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(Self::object(tenant, key))
            .body(body)
            .send()
            .await
            .map_err(remote)?;
        Ok(())
    }

    async fn exists(&self, tenant: TenantId, key: &Key) -> Result<bool, StorageError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(Self::object(tenant, key))
            .send()
            .await;
        match head {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(e) => Err(remote(e)),
        }
    }

    pub async fn get(&self, tenant: TenantId, key: &Key) -> Result<Option<Vec<u8>>, StorageError> {
        let Some(object) = self.get_object(tenant, key).await? else {
            return Ok(None);
        };
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|e| StorageError::Io(std::io::Error::other(e)))?;
        Ok(Some(bytes.to_vec()))
    }

    pub async fn open(
        &self,
        tenant: TenantId,
        key: &Key,
    ) -> Result<Option<Download>, StorageError> {
        let Some(object) = self.get_object(tenant, key).await? else {
            return Ok(None);
        };
        let size = object.content_length().and_then(|n| u64::try_from(n).ok());
        // Chunks are passed on as the store sends them: nothing is held.
        let body = futures::stream::try_unfold(object.body, |mut body| async move {
            match body.try_next().await {
                Ok(Some(chunk)) => Ok(Some((chunk, body))),
                Ok(None) => Ok(None),
                Err(e) => Err(std::io::Error::other(e)),
            }
        });
        Ok(Some(Download {
            size,
            body: Box::pin(body),
        }))
    }

    async fn get_object(
        &self,
        tenant: TenantId,
        key: &Key,
    ) -> Result<Option<aws_sdk_s3::operation::get_object::GetObjectOutput>, StorageError> {
        let got = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(Self::object(tenant, key))
            .send()
            .await;
        match got {
            Ok(object) => Ok(Some(object)),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
            Err(e) => Err(remote(e)),
        }
    }

    pub async fn delete(&self, tenant: TenantId, key: &Key) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(Self::object(tenant, key))
            .send()
            .await
            .map_err(remote)?;
        Ok(())
    }

    pub async fn presign_get(
        &self,
        tenant: TenantId,
        key: &Key,
        presign: &Presign<'_>,
    ) -> Result<String, StorageError> {
        let expiry = PresigningConfig::expires_in(presign.expires_in)
            .map_err(|e| StorageError::Remote(e.to_string()))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(Self::object(tenant, key))
            .response_content_type(presign.content_type)
            .response_content_disposition(presign.content_disposition)
            .response_cache_control("private, no-store")
            .presigned(expiry)
            .await
            .map_err(remote)?;
        Ok(request.uri().to_owned())
    }

    /// Every object under the tenant's prefix, with its size, by key.
    pub async fn list(&self, tenant: TenantId) -> Result<Vec<(Key, u64)>, StorageError> {
        let prefix = Self::prefix(tenant);
        let mut found = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for object in page.map_err(remote)?.contents() {
                let name = object.key().unwrap_or_default();
                let relative = name.strip_prefix(&prefix).unwrap_or(name);
                let key = Key::parse(relative)
                    .map_err(|_| StorageError::Unexpected(relative.to_owned()))?;
                let size = object.size().and_then(|n| u64::try_from(n).ok());
                found.push((key, size.unwrap_or(0)));
            }
        }
        found.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        Ok(found)
    }

    /// Deletes every object under the tenant's prefix, a batch at a time.
    pub async fn remove_tenant(&self, tenant: TenantId) -> Result<(), StorageError> {
        let keys = self.list(tenant).await?;
        for batch in keys.chunks(DELETE_BATCH) {
            let objects = batch
                .iter()
                .map(|(key, _)| {
                    ObjectIdentifier::builder()
                        .key(Self::object(tenant, key))
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StorageError::Remote(e.to_string()))?;
            let delete = Delete::builder()
                .set_objects(Some(objects))
                .quiet(true)
                .build()
                .map_err(|e| StorageError::Remote(e.to_string()))?;
            let done = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(delete)
                .send()
                .await
                .map_err(remote)?;
            if let Some(failed) = done.errors().first() {
                return Err(StorageError::Remote(format!(
                    "could not delete {}: {}",
                    failed.key().unwrap_or("?"),
                    failed.code().unwrap_or("error")
                )));
            }
        }
        Ok(())
    }
}

/// The SDK's error with its causes (codes and messages from the store).
fn remote(error: impl std::error::Error + 'static) -> StorageError {
    StorageError::Remote(DisplayErrorContext(&error).to_string())
}
