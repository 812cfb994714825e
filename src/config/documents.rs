//! `[documents]`: the platform's limits on tenants' documents. Each tenant
//! may set its own upload limit, up to `max_upload_bytes_ceiling`; one that
//! has not gets `max_upload_bytes`.

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// Room for a multipart body's other fields and boundaries around the file.
const MULTIPART_OVERHEAD: u64 = 256 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentsConfig {
    /// Largest file a tenant accepts unless it set its own limit.
    pub max_upload_bytes: u64,
    /// The most a tenant may set its limit to.
    pub max_upload_bytes_ceiling: u64,
    /// Photos are scaled down to fit this many pixels on their longer side.
    pub image_max_side: u32,
    /// Images larger than this (width or height) are refused undecoded:
    /// a small file can claim a huge canvas.
    pub image_max_dimension: u32,
    /// Seconds a presigned download URL stays valid (S3 only).
    pub url_expiry_secs: u64,
    /// Seconds a multipart request (an upload) may take, body included:
    /// longer than other requests, for phones on slow networks.
    pub upload_timeout_secs: u64,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            max_upload_bytes: 10 * MIB,
            max_upload_bytes_ceiling: 50 * MIB,
            image_max_side: 2560,
            image_max_dimension: 20_000,
            url_expiry_secs: 60,
            upload_timeout_secs: 600,
        }
    }
}

impl DocumentsConfig {
    /// The largest multipart body the HTTP layer lets through: the
    /// ceiling plus the form's other fields. Each upload is then held to
    /// its tenant's limit while it is read.
    pub fn upload_body_limit(&self) -> usize {
        usize::try_from(
            self.max_upload_bytes_ceiling
                .saturating_add(MULTIPART_OVERHEAD),
        )
        .unwrap_or(usize::MAX)
    }

    pub fn validate(&self) -> Result<(), &'static str> {
        if self.max_upload_bytes == 0 || self.max_upload_bytes > self.max_upload_bytes_ceiling {
            return Err(
                "documents.max_upload_bytes must be between 1 and max_upload_bytes_ceiling",
            );
        }
        if self.image_max_side < 16 || self.image_max_dimension < self.image_max_side {
            return Err(
                "documents.image_max_side must be at least 16 and at most image_max_dimension",
            );
        }
        if self.url_expiry_secs == 0 || self.url_expiry_secs > 7 * 24 * 3600 {
            return Err("documents.url_expiry_secs must be between 1 and 604800 (7 days)");
        }
        Ok(())
    }
}
